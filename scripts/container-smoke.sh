#!/usr/bin/env bash
# Builds the Docker image with podman (../shared/tools/container) and checks it for real
# against this machine's Postgres (127.0.0.1:5432, user postgres) and Redis (127.0.0.1:6379):
#
#   1. without secrets the container exits non-zero with a message naming the variable
#   2. with secrets it starts (migrations run), /api/v1/health, /live, /ready answer
#   3. /dashboard serves the built SPA (HTML + a hashed asset), / redirects to it
#   4. setup -> login -> create an API key -> the key authenticates an agent-side call
#   5. it runs as uid 10001 (not root); the image carries the HEALTHCHECK and it passes
#   6. `podman stop` (SIGTERM) exits 0, quickly, after a graceful shutdown
#   7. embedded mode (no database URL) writes its PGlite data to the /data volume
#
# Idempotent: random port, database name, Redis key prefix and container names; everything
# it creates is removed on exit, pass or fail. Usage (from the repository root):
#
#   scripts/container-smoke.sh              # build, then test
#   SKIP_BUILD=1 scripts/container-smoke.sh # test the existing image
#   IMAGE=edictum-console:dev scripts/container-smoke.sh
#
# The build uses `--format docker`: podman's default OCI image format has no HEALTHCHECK
# field and silently drops it (Docker always builds the docker format).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
if ! command -v node >/dev/null && [ -x /opt/node22/node_modules/node/bin/node ]; then
  export PATH=/opt/node22/node_modules/node/bin:$PATH
fi
for tool in node psql redis-cli curl openssl timeout; do  # podman: the container tool installs it
  command -v "$tool" >/dev/null || { echo "container-smoke: $tool is required" >&2; exit 1; }
done
CONTAINER_TOOL=${CONTAINER_TOOL:-$ROOT/../shared/tools/container}
IMAGE=${IMAGE:-edictum-console}
PGHOST=${PGHOST:-127.0.0.1}
PGPORT=${PGPORT:-5432}
PGUSER=${PGUSER:-postgres}
REDIS_HOST=${REDIS_HOST:-127.0.0.1}
REDIS_PORT=${REDIS_PORT:-6379}
export PGHOST PGPORT PGUSER
# Same global flags the container tool uses, for commands it does not wrap (exec, stop, ...).
PODMAN=(podman --runtime runc --cgroup-manager cgroupfs)

RUN_ID=$(openssl rand -hex 4)
DB_NAME="edictum_smoke_${RUN_ID}"
REDIS_PREFIX="edictum-smoke-${RUN_ID}:"
NAME="edictum-smoke-${RUN_ID}"
NAME_EMBEDDED="edictum-smoke-${RUN_ID}-embedded"
VOLUME_EMBEDDED="edictum-smoke-${RUN_ID}-data"
WORK=$(mktemp -d)
PORT=$(node -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})")
BASE="http://127.0.0.1:${PORT}"
SECRET_KEY=$(openssl rand -hex 32)
SIGNING_SECRET=$(openssl rand -hex 32)

step() { printf '\n== %s\n' "$*"; }
ok() { printf '   ok: %s\n' "$*"; }
fail() {
  printf '   FAIL: %s\n' "$*" >&2
  for n in "$NAME" "$NAME_EMBEDDED"; do
    if "${PODMAN[@]}" container exists "$n" 2>/dev/null; then
      printf -- '--- last log lines of %s ---\n' "$n" >&2
      "${PODMAN[@]}" logs --tail 40 "$n" >&2 || true
    fi
  done
  exit 1
}
# podman 4 logs an error when it cannot reach systemd to schedule healthcheck timers; the
# container still runs and `podman healthcheck run` still works. Hide that line only.
quiet_systemd() { grep -v 'unable to get systemd connection' >&2 || true; }
pm() { "${PODMAN[@]}" "$@" 2> >(quiet_systemd); }

cleanup() {
  set +e
  for n in "$NAME" "$NAME_EMBEDDED"; do
    "${PODMAN[@]}" rm -f -v -t 2 "$n" >/dev/null 2>&1
  done
  "${PODMAN[@]}" volume rm -f "$VOLUME_EMBEDDED" >/dev/null 2>&1
  psql -q -d postgres -c "drop database if exists ${DB_NAME} with (force)" >/dev/null 2>&1
  redis-cli -h "$REDIS_HOST" -p "$REDIS_PORT" --scan --pattern "${REDIS_PREFIX}*" 2>/dev/null |
    xargs -r -n 100 redis-cli -h "$REDIS_HOST" -p "$REDIS_PORT" del >/dev/null 2>&1
  rm -rf "$WORK"
}
trap cleanup EXIT

# curl helper: prints the status code, body to $WORK/body, headers to $WORK/headers.
http() {
  curl -sS -o "$WORK/body" -D "$WORK/headers" -w '%{http_code}' -b "$WORK/cookies" -c "$WORK/cookies" "$@"
}
header() { grep -i "^$1:" "$WORK/headers" | head -1 | cut -d: -f2- | tr -d '\r' | sed 's/^ *//'; }

wait_healthy() { # url, seconds
  local deadline=$((SECONDS + $2))
  while ((SECONDS < deadline)); do
    if curl -fsS -o /dev/null "$1" 2>/dev/null; then return 0; fi
    sleep 1
  done
  return 1
}

# ---------------------------------------------------------------------------------------
if [ "${SKIP_BUILD:-0}" != 1 ]; then
  step "build $IMAGE (podman, --format docker)"
  t0=$SECONDS
  (cd "$ROOT" && "$CONTAINER_TOOL" build --format docker -t "$IMAGE" .) >"$WORK/build.log" 2>&1 ||
    { tail -60 "$WORK/build.log" >&2; fail "image build failed"; }
  ok "built in $((SECONDS - t0)) s"
fi
"${PODMAN[@]}" image exists "$IMAGE" || fail "image $IMAGE not found (build it, or unset SKIP_BUILD)"
size=$("${PODMAN[@]}" image inspect --format '{{.Size}}' "$IMAGE")
ok "image size: $((size / 1000 / 1000)) MB ($size bytes; includes the node:22-slim base)"

step "image metadata"
user=$("${PODMAN[@]}" image inspect --format '{{.Config.User}}' "$IMAGE")
[ "$user" = "10001:10001" ] || fail "image USER is '$user', expected 10001:10001"
ok "USER $user"
hc=$("${PODMAN[@]}" image inspect "$IMAGE" | node -e 'const i=JSON.parse(require("fs").readFileSync(0,"utf8"))[0]; const h=i.Healthcheck||(i.Config&&i.Config.Healthcheck); console.log(h?JSON.stringify(h.Test):"")')
[[ "$hc" == *"/api/v1/health"* ]] || fail "image has no HEALTHCHECK on /api/v1/health (built without --format docker?)"
ok "HEALTHCHECK $hc"
entry=$("${PODMAN[@]}" image inspect --format '{{json .Config.Entrypoint}} {{json .Config.Cmd}}' "$IMAGE")
ok "entrypoint/cmd $entry"

# ---------------------------------------------------------------------------------------
step "without secrets: exits with a message naming the variable"
set +e
timeout 60 "$CONTAINER_TOOL" run --rm --name "$NAME" -e PORT="$PORT" \
  -e EDICTUM_DATABASE_URL="postgresql://${PGUSER}@${PGHOST}:${PGPORT}/postgres" \
  "$IMAGE" >"$WORK/nosecret.out" 2>"$WORK/nosecret.err"
rc=$?
set -e
[ "$rc" -ne 0 ] && [ "$rc" -ne 124 ] || fail "expected a non-zero exit (not a timeout), got $rc"
grep -q 'EDICTUM_SECRET_KEY is not set' "$WORK/nosecret.err" "$WORK/nosecret.out" ||
  { cat "$WORK/nosecret.err" "$WORK/nosecret.out" >&2; fail "message does not name EDICTUM_SECRET_KEY"; }
ok "exit code $rc: $(grep -h 'Cannot start' "$WORK/nosecret.err" "$WORK/nosecret.out" | grep -v '"level"' | head -1)"

# ---------------------------------------------------------------------------------------
step "start against Postgres (database $DB_NAME) and Redis, port $PORT"
psql -q -d postgres -c "create database ${DB_NAME}" >/dev/null
"$CONTAINER_TOOL" run -d --name "$NAME" \
  -e PORT="$PORT" \
  -e EDICTUM_DATABASE_URL="postgresql://${PGUSER}@${PGHOST}:${PGPORT}/${DB_NAME}" \
  -e EDICTUM_REDIS_URL="redis://${REDIS_HOST}:${REDIS_PORT}" \
  -e EDICTUM_REDIS_PREFIX="$REDIS_PREFIX" \
  -e EDICTUM_SECRET_KEY="$SECRET_KEY" \
  -e EDICTUM_SIGNING_KEY_SECRET="$SIGNING_SECRET" \
  -e EDICTUM_BASE_URL="$BASE" \
  "$IMAGE" >/dev/null 2> >(quiet_systemd)
t0=$SECONDS
wait_healthy "$BASE/api/v1/health" 90 || fail "no answer on $BASE/api/v1/health within 90 s"
ok "healthy after $((SECONDS - t0)) s"

step "health endpoints"
code=$(http "$BASE/api/v1/health")
[ "$code" = 200 ] && grep -q '"bootstrap_complete":false' "$WORK/body" || fail "/api/v1/health: $code $(cat "$WORK/body")"
ok "/api/v1/health $code $(cat "$WORK/body")"
code=$(http "$BASE/api/v1/health/live")
[ "$code" = 200 ] || fail "/api/v1/health/live: $code"
ok "/api/v1/health/live $code $(cat "$WORK/body")"
code=$(http "$BASE/api/v1/health/ready")
[ "$code" = 200 ] && grep -q '"status":"ready"' "$WORK/body" || fail "/api/v1/health/ready: $code $(cat "$WORK/body")"
ok "/api/v1/health/ready $code (database and redis connected)"
tables=$(psql -Atq -d "$DB_NAME" -c "select count(*) from information_schema.tables where table_schema='public'")
[ "$tables" -gt 5 ] || fail "migrations did not run: $tables tables in $DB_NAME"
ok "migrations applied: $tables tables in $DB_NAME"

step "dashboard"
code=$(http "$BASE/dashboard")
[ "$code" = 200 ] && [[ "$(header content-type)" == text/html* ]] || fail "/dashboard: $code $(header content-type)"
asset=$(grep -o '/dashboard/assets/[^"]*\.js' "$WORK/body" | head -1)
[ -n "$asset" ] || fail "/dashboard HTML references no /dashboard/assets/*.js"
ok "/dashboard $code $(header content-type), $(wc -c <"$WORK/body") bytes"
code=$(http "$BASE$asset")
[ "$code" = 200 ] && [[ "$(header cache-control)" == *immutable* ]] || fail "$asset: $code $(header cache-control)"
ok "$asset $code $(header content-type); $(header cache-control)"
code=$(http "$BASE/dashboard/approvals")
[ "$code" = 200 ] || fail "/dashboard/approvals (deep link): $code"
ok "/dashboard/approvals (deep link) $code"
code=$(http "$BASE/")
[ "$code" = 302 ] && [ "$(header location)" = /dashboard ] || fail "/: $code $(header location)"
ok "/ $code -> $(header location)"

step "setup, login, API key"
EMAIL="admin-${RUN_ID}@example.com"
PASSWORD="smoke-$(openssl rand -hex 12)"
# The unclaimed console logs its setup link (what an operator sees in `docker logs`); the
# token in it claims the console, and nothing else does.
TOKEN=""
deadline=$((SECONDS + 30))
while [ -z "$TOKEN" ] && [ "$SECONDS" -lt "$deadline" ]; do
  TOKEN=$("${PODMAN[@]}" logs "$NAME" 2>/dev/null | grep -o '"setup_url":"[^"]*"' | head -1 | sed 's/.*token=\([^"&]*\).*/\1/')
  [ -n "$TOKEN" ] || sleep 0.5
done
[ -n "$TOKEN" ] || fail "the container logged no setup link within 30 s"
ok "setup link in the container log"
code=$(http -X POST "$BASE/api/v1/setup" -H 'content-type: application/json' -H 'x-requested-with: smoke' \
  --data "{\"email\":\"$EMAIL\",\"password\":\"$PASSWORD\",\"tenant_name\":\"smoke\"}")
[ "$code" = 403 ] || fail "setup without the token: $code $(cat "$WORK/body")"
ok "POST /api/v1/setup without the token $code"
code=$(http -X POST "$BASE/api/v1/setup" -H 'content-type: application/json' -H 'x-requested-with: smoke' \
  --data "{\"email\":\"$EMAIL\",\"password\":\"$PASSWORD\",\"tenant_name\":\"smoke\",\"setup_token\":\"$TOKEN\"}")
[ "$code" = 201 ] || fail "setup: $code $(cat "$WORK/body")"
ok "POST /api/v1/setup $code"
code=$(http "$BASE/api/v1/health")
grep -q '"bootstrap_complete":true' "$WORK/body" || fail "bootstrap_complete still false: $(cat "$WORK/body")"
ok "health now says bootstrap_complete: true"
code=$(http -X POST "$BASE/api/v1/auth/login" -H 'content-type: application/json' \
  --data "{\"email\":\"$EMAIL\",\"password\":\"wrong-password-123\"}")
[ "$code" = 401 ] || fail "login with a wrong password: $code"
ok "login with a wrong password $code"
code=$(http -X POST "$BASE/api/v1/auth/login" -H 'content-type: application/json' \
  --data "{\"email\":\"$EMAIL\",\"password\":\"$PASSWORD\"}")
[ "$code" = 200 ] || fail "login: $code $(cat "$WORK/body")"
[[ "$(header set-cookie)" == *HttpOnly* ]] || fail "session cookie is not HttpOnly: $(header set-cookie)"
ok "POST /api/v1/auth/login $code (HttpOnly session cookie)"
code=$(http "$BASE/api/v1/auth/me")
[ "$code" = 200 ] && grep -q "$EMAIL" "$WORK/body" || fail "/auth/me: $code $(cat "$WORK/body")"
ok "GET /api/v1/auth/me $code"
code=$(http -X POST "$BASE/api/v1/keys" -H 'content-type: application/json' \
  --data '{"env":"production","label":"smoke"}')
[ "$code" = 403 ] || fail "key create without X-Requested-With should be 403 (CSRF), got $code"
ok "POST /api/v1/keys without X-Requested-With $code (CSRF)"
code=$(http -X POST "$BASE/api/v1/keys" -H 'content-type: application/json' -H 'x-requested-with: smoke' \
  --data '{"env":"production","label":"smoke"}')
[ "$code" = 201 ] || fail "key create: $code $(cat "$WORK/body")"
KEY=$(node -e 'console.log(JSON.parse(require("fs").readFileSync(process.argv[1],"utf8")).key)' "$WORK/body")
ok "POST /api/v1/keys $code (key prefix ${KEY:0:12}…)"
code=$(curl -sS -o "$WORK/body" -w '%{http_code}' -H "authorization: Bearer $KEY" "$BASE/api/v1/bundles")
[ "$code" = 200 ] || fail "GET /api/v1/bundles with the API key: $code $(cat "$WORK/body")"
ok "GET /api/v1/bundles with the API key $code"

step "process user, healthcheck"
uid=$("${PODMAN[@]}" exec "$NAME" id -u)
[ "$uid" = 10001 ] || fail "exec runs as uid $uid"
"${PODMAN[@]}" top "$NAME" user huser pid args >"$WORK/top" 2>/dev/null || true
if [ -s "$WORK/top" ]; then
  sed 's/^/   | /' "$WORK/top"
  if awk 'NR>1 && ($1=="root" || $1=="0")' "$WORK/top" | grep -q .; then fail "a process runs as root"; fi
fi
ok "processes run as uid 10001 (edictum), not root"
"${PODMAN[@]}" exec "$NAME" sh -c 'touch /app/x 2>/dev/null' && fail "the app user can write to /app"
ok "/app is read-only for the app user; /data is $("${PODMAN[@]}" exec "$NAME" stat -c '%U:%G %a' /data)"
if pm healthcheck run "$NAME"; then
  ok "podman healthcheck run: healthy"
else
  fail "podman healthcheck run reported unhealthy"
fi

step "SIGTERM (podman stop) exits cleanly and quickly"
t0=$(date +%s.%N)
pm stop -t 30 "$NAME" >/dev/null
t1=$(date +%s.%N)
elapsed=$(node -e "console.log((${t1}-${t0}).toFixed(2))")
exit_code=$("${PODMAN[@]}" inspect --format '{{.State.ExitCode}}' "$NAME")
"${PODMAN[@]}" logs "$NAME" >"$WORK/run.log" 2>&1 || true
[ "$exit_code" = 0 ] || fail "exit code after SIGTERM is $exit_code (143 = no handler, 137 = killed)"
node -e "process.exit(${elapsed} < 10 ? 0 : 1)" || fail "stop took ${elapsed} s"
grep -q '"shutting down"' "$WORK/run.log" && grep -q '"stopped"' "$WORK/run.log" ||
  fail "no graceful shutdown in the log"
ok "stopped in ${elapsed} s, exit code 0, log: shutting down -> stopped"
pm rm -f -v "$NAME" >/dev/null

# ---------------------------------------------------------------------------------------
step "embedded mode (no database URL): PGlite data in the /data volume"
"$CONTAINER_TOOL" run -d --name "$NAME_EMBEDDED" -v "$VOLUME_EMBEDDED:/data" \
  -e PORT="$PORT" -e EDICTUM_SECRET_KEY="$SECRET_KEY" -e EDICTUM_SIGNING_KEY_SECRET="$SIGNING_SECRET" \
  "$IMAGE" >/dev/null 2> >(quiet_systemd)
wait_healthy "$BASE/api/v1/health" 120 || fail "embedded mode: no answer within 120 s"
code=$(http "$BASE/api/v1/health")
[ "$code" = 200 ] || fail "embedded /api/v1/health: $code"
listing=$("${PODMAN[@]}" exec "$NAME_EMBEDDED" ls -ln /data)
[ -n "$(echo "$listing" | awk 'NR>1')" ] || fail "nothing written to /data"
echo "$listing" | awk 'NR>1 && $3!="10001"' | grep -q . && fail "files in /data not owned by 10001: $listing"
ok "embedded mode healthy; /data holds: $(echo "$listing" | awk 'NR>1{print $NF}' | tr '\n' ' ')"
pm stop -t 30 "$NAME_EMBEDDED" >/dev/null
exit_code=$("${PODMAN[@]}" inspect --format '{{.State.ExitCode}}' "$NAME_EMBEDDED")
[ "$exit_code" = 0 ] || fail "embedded mode: exit code after SIGTERM is $exit_code"
ok "embedded mode stopped with exit code 0"

printf '\nAll container checks passed (image %s, %s MB).\n' "$IMAGE" "$((size / 1000 / 1000))"
