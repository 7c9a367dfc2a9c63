# edictum console: one image with the Fastify server (dist/), its SQL migrations and the
# built React dashboard (dashboard/dist/). See docs/deployment.md.
#
#   docker build -t edictum-console .
#   docker run --rm -p 8000:8000 \
#     -e EDICTUM_DATABASE_URL=postgresql://user:pass@db:5432/edictum \
#     -e EDICTUM_SECRET_KEY=$(openssl rand -hex 32) \
#     -e EDICTUM_SIGNING_KEY_SECRET=$(openssl rand -hex 32) \
#     edictum-console
#
# The image runs in production mode (EDICTUM_ENV_NAME=production): it refuses to start
# without EDICTUM_SECRET_KEY and EDICTUM_SIGNING_KEY_SECRET and says which one is missing.
# Stages: base -> fetch (lockfile only) -> deps / prod-deps -> dashboard, server -> runtime.
# With podman/buildah pass `--format docker`, or the OCI format drops the HEALTHCHECK.

# Base images can be overridden (e.g. a registry mirror) with --build-arg.
ARG NODE_BUILD_IMAGE=node:22
ARG NODE_RUNTIME_IMAGE=node:22-slim
ARG PNPM_VERSION=10

# ---------------------------------------------------------------------------------------
# base: Node 22 + pnpm 10 (from the npm registry; corepack is not used)
FROM ${NODE_BUILD_IMAGE} AS base
ARG PNPM_VERSION
ENV CI=true \
    npm_config_update_notifier=false
RUN npm i -g pnpm@${PNPM_VERSION} && pnpm --version
WORKDIR /app

# ---------------------------------------------------------------------------------------
# fetch: download every package in the lockfile into the pnpm store. Depends on the
# lockfile (and workspace settings) only, so the layer is reused until dependencies change.
FROM base AS fetch
COPY pnpm-lock.yaml pnpm-workspace.yaml ./
RUN pnpm fetch

# deps: the full workspace install (dev dependencies included) for the build stages.
FROM fetch AS deps
COPY package.json ./
COPY dashboard/package.json ./dashboard/
RUN pnpm install --frozen-lockfile --offline

# prod-deps: the root package's production dependencies only (no dashboard, no dev tools).
# `pnpm fetch` leaves every package in node_modules/.pnpm, so start from an empty one.
# pnpm 10 runs no install scripts: bcrypt loads the prebuilt binary it ships.
FROM fetch AS prod-deps
COPY package.json ./
COPY dashboard/package.json ./dashboard/
RUN rm -rf node_modules \
 && pnpm install --prod --frozen-lockfile --offline --filter edictum-console

# ---------------------------------------------------------------------------------------
# dashboard: vite build (and the bundle-size budget check) -> /app/dashboard/dist
FROM deps AS dashboard
COPY dashboard/ ./dashboard/
RUN pnpm run build:dashboard \
 && rm -rf dashboard/dist/.vite

# server: tsc -> /app/dist
FROM deps AS server
COPY tsconfig.json tsconfig.build.json ./
COPY src/ ./src/
RUN pnpm run build:server

# tini: Debian's statically linked build, copied into the runtime image on its own (no apt
# run, caches or package lists left in the runtime image).
FROM ${NODE_BUILD_IMAGE} AS tini
RUN apt-get update \
 && apt-get install -y --no-install-recommends tini \
 && /usr/bin/tini-static --version

# ---------------------------------------------------------------------------------------
# runtime: slim Node, production dependencies, compiled server, migrations, dashboard.
FROM ${NODE_RUNTIME_IMAGE} AS runtime
LABEL org.opencontainers.image.title="edictum console" \
      org.opencontainers.image.description="Self-hosted governance console for AI agents running the edictum SDKs" \
      org.opencontainers.image.licenses="Apache-2.0"

# tini as PID 1 forwards SIGTERM to node (which shuts down gracefully) and reaps zombies.
COPY --from=tini /usr/bin/tini-static /usr/bin/tini

# The app runs as an unprivileged user (uid/gid 10001) that owns only /data.
RUN groupadd --gid 10001 edictum \
 && useradd --uid 10001 --gid 10001 --home-dir /app --no-create-home --no-log-init \
      --shell /usr/sbin/nologin edictum \
 && mkdir -p /data \
 && chown 10001:10001 /data \
 && chmod 0700 /data

WORKDIR /app
ENV NODE_ENV=production \
    EDICTUM_ENV_NAME=production \
    EDICTUM_DATA_DIR=/data \
    EDICTUM_HOST=0.0.0.0 \
    PORT=8000

# Application files stay owned by root: the process can read them but not change them.
COPY package.json ./
COPY --from=prod-deps /app/node_modules ./node_modules
COPY migrations/ ./migrations/
COPY --from=server /app/dist ./dist
COPY --from=dashboard /app/dashboard/dist ./dashboard/dist

USER 10001:10001
VOLUME ["/data"]
EXPOSE 8000

# /api/v1/health answers 200 only when the server is up and the database answers.
# Slim images have no curl: Node's fetch does the request.
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||8000)+'/api/v1/health',{signal:AbortSignal.timeout(4000)}).then(r=>process.exit(r.ok?0:1)).catch(()=>process.exit(1))"]

STOPSIGNAL SIGTERM
ENTRYPOINT ["/usr/bin/tini", "--"]
CMD ["node", "dist/main.js"]
