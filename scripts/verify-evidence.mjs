#!/usr/bin/env node
/**
 * Offline verifier for an edictum evidence pack (docs/audit.md):
 *
 *   node scripts/verify-evidence.mjs <pack.zip> [--key <hex public key>]... [--json]
 *
 * Needs nothing but the pack (and, to pin trust, the tenant's public key from a source you
 * trust): no database, no network. It recomputes every hash of the chain segment, checks each
 * signed checkpoint with Ed25519, and checks that every event, approval, deploy and bundle in
 * the pack is exactly what the chain committed to. Exit 0: intact; 1: broken (the first break is
 * named: which file and row, and whether content changed, rows were reordered, deleted or
 * inserted); 2: the pack cannot be read.
 *
 * The formulas are those of src/modules/audit-chain/chain.hash.ts, written again here with
 * node:crypto only so the script stands alone (a test checks both agree on a real pack).
 */
import { createHash, createPublicKey, verify as edVerify } from 'node:crypto';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import yauzl from 'yauzl';

const GENESIS = '0'.repeat(64);
const sha256 = (text) => createHash('sha256').update(text, 'utf8').digest('hex');

// ---------- canonical JSON (keys sorted by code unit, no whitespace, text repaired) ----------
const UNPAIRED = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
// eslint-disable-next-line no-control-regex -- NUL is exactly what must be found
const repair = (s) => (/[\u0000\uD800-\uDFFF]/.test(s) ? s.replaceAll('\u0000', '\uFFFD').replace(UNPAIRED, '\uFFFD') : s);
function canonical(v) {
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'string') return JSON.stringify(repair(v));
  if (typeof v === 'number') return Number.isFinite(v) ? JSON.stringify(v) : 'null';
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (typeof v === 'object') {
    return `{${Object.keys(v)
      .sort()
      .map((k) => `${JSON.stringify(repair(k))}:${canonical(v[k])}`)
      .join(',')}}`;
  }
  return 'null';
}

const entryHash = (tenant, e) => sha256(['edictum.audit.v1', tenant, e.kind, e.ref_id, e.recorded_at, e.content_hash, e.prev_hash].join('|'));
function eventLeaf(e) {
  const payloadJson = e.payload == null ? null : canonical(e.payload);
  const dedup = sha256(`[${JSON.stringify(e.agent_id)},${JSON.stringify(e.tool_name)},${JSON.stringify(e.verdict)},${JSON.stringify(e.mode)},${JSON.stringify(e.timestamp)},${payloadJson ?? 'null'}]`);
  return sha256(`edictum.event.v1|${e.id}|${e.env ?? ''}|${dedup}|${e.call_id}`);
}
const leavesDigest = (ids, leaves) => sha256(ids.map((id, i) => `${id}:${leaves[i]}\n`).join(''));
const checkpointMessage = (tenant, c) => ['edictum.audit.checkpoint.v1', tenant, String(c.seq), c.head_hash, c.signed_at].join('|');

function edOk(publicKeyHex, message, signatureB64) {
  try {
    const key = createPublicKey({ key: Buffer.concat([Buffer.from('302a300506032b6570032100', 'hex'), Buffer.from(publicKeyHex, 'hex')]), format: 'der', type: 'spki' });
    return edVerify(null, Buffer.isBuffer(message) ? message : Buffer.from(message, 'utf8'), key, Buffer.from(signatureB64, 'base64'));
  } catch {
    return false;
  }
}

// ---------- reading the zip ----------
function readZip(path) {
  return new Promise((resolve, reject) => {
    yauzl.open(path, { lazyEntries: true, strictFileNames: true }, (err, zip) => {
      if (err) return reject(err);
      const files = new Map();
      zip.on('entry', (entry) => {
        if (entry.uncompressedSize > 2 * 1024 * 1024 * 1024) return reject(new Error(`${entry.fileName} is too large`));
        zip.openReadStream(entry, (e2, stream) => {
          if (e2) return reject(e2);
          const chunks = [];
          stream.on('data', (c) => chunks.push(c));
          stream.on('error', reject);
          stream.on('end', () => {
            files.set(entry.fileName, Buffer.concat(chunks).toString('utf8'));
            zip.readEntry();
          });
        });
      });
      zip.on('end', () => resolve(files));
      zip.on('error', reject);
      zip.readEntry();
    });
  });
}

const jsonl = (text) =>
  (text ?? '')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l, i) => {
      try {
        return JSON.parse(l);
      } catch {
        throw new Error(`line ${i + 1} is not JSON`);
      }
    });

// ---------- the checks ----------
export async function verifyPack(path, pinnedKeys = []) {
  const files = await readZip(path);
  const need = (name) => {
    if (!files.has(name)) throw new Error(`the pack has no ${name}`);
    return files.get(name);
  };
  const manifest = JSON.parse(need('manifest.json'));
  if (manifest.format !== 'edictum-evidence/v1') throw new Error(`unknown pack format ${manifest.format}`);
  const tenant = manifest.tenant_id;
  const chain = jsonl(need('chain.jsonl'));
  const checkpoints = JSON.parse(need('checkpoints.json'));
  const keys = new Set(JSON.parse(need('public_keys.json')).map((k) => k.publicKey));
  const problems = [];
  const add = (p) => problems.push(p);

  // 1. Each entry: content hash, entry hash.
  const bySeq = new Map();
  const byHash = new Map();
  for (const e of chain) {
    bySeq.set(e.seq, e);
    byHash.set(e.entry_hash, e.seq);
    if (sha256(e.content) !== e.content_hash) add({ problem: 'content', file: 'chain.jsonl', seq: e.seq, row: String(e.seq), detail: `entry ${e.seq}: its content no longer matches its content hash` });
    else if (entryHash(tenant, e) !== e.entry_hash) add({ problem: 'content', file: 'chain.jsonl', seq: e.seq, row: String(e.seq), detail: `entry ${e.seq}: its fields no longer give its hash` });
    if (e.kind === 'events') {
      const ids = e.event_ids ?? [];
      const leaves = e.leaf_hashes ?? [];
      let c = {};
      try {
        c = JSON.parse(e.content);
      } catch {
        /* reported above */
      }
      if (ids.length !== leaves.length || c.count !== ids.length || c.leaves !== leavesDigest(ids, leaves))
        add({ problem: 'content', file: 'chain.jsonl', seq: e.seq, row: String(e.seq), detail: `entry ${e.seq}: its list of events no longer matches its digest` });
    }
  }
  // 2. Links, in seq order (the first line anchors the segment).
  const sorted = [...chain].sort((a, b) => a.seq - b.seq);
  let prev = null;
  let prevPrev = null;
  let prevLinkOk = true;
  for (const cur of sorted) {
    if (!prev) {
      if (cur.seq === 1 && cur.prev_hash !== GENESIS) add({ problem: 'content', file: 'chain.jsonl', seq: 1, row: '1', detail: 'entry 1 does not start from the genesis hash' });
      prev = cur;
      continue;
    }
    const linkOk = cur.prev_hash === prev.entry_hash;
    const base = { file: 'chain.jsonl', seq: cur.seq, row: String(cur.seq) };
    if (linkOk) {
      if (cur.seq !== prev.seq + 1) add({ ...base, problem: 'order', detail: `entry ${cur.seq} follows entry ${prev.seq} but seq numbers were changed` });
    } else if (prevPrev && prevLinkOk && cur.prev_hash === prevPrev.entry_hash) {
      add({ ...base, seq: prev.seq, row: String(prev.seq), problem: 'insertion', detail: `entry ${prev.seq} is not part of the chain: entry ${cur.seq} links past it` });
    } else if (byHash.has(cur.prev_hash) && byHash.get(cur.prev_hash) !== prev.seq) {
      add({ ...base, problem: 'order', detail: `entry ${cur.seq} links to entry ${byHash.get(cur.prev_hash)}, not to entry ${prev.seq}: entries were reordered` });
    } else if (cur.seq !== prev.seq + 1) {
      add({ ...base, seq: prev.seq + 1, row: String(prev.seq + 1), problem: 'deletion', detail: `entries ${prev.seq + 1}..${cur.seq - 1} are missing` });
    } else {
      add({ ...base, seq: prev.seq, row: String(prev.seq), problem: 'content', detail: `entry ${prev.seq} was replaced: entry ${cur.seq} was linked to a different one` });
    }
    prevPrev = prev;
    prev = cur;
    prevLinkOk = linkOk;
  }
  // 3. Checkpoints: signature by a known (and, if given, pinned) key, and the hash they sign.
  const pinned = new Set(pinnedKeys.map((k) => k.toLowerCase()));
  let signedBy = 0;
  for (const c of checkpoints) {
    const base = { file: 'checkpoints.json', seq: c.seq, row: `checkpoint at ${c.seq}` };
    if (!keys.has(c.public_key) || !edOk(c.public_key, checkpointMessage(tenant, c), c.signature)) {
      add({ ...base, problem: 'signature', detail: `checkpoint at entry ${c.seq} (${c.signed_at}) has no valid signature by the pack's keys` });
      continue;
    }
    if (pinned.size > 0 && !pinned.has(c.public_key)) continue;
    signedBy++;
    const e = bySeq.get(c.seq);
    if (e && e.entry_hash !== c.head_hash) add({ ...base, problem: 'checkpoint', detail: `checkpoint signed at ${c.signed_at} says entry ${c.seq} had hash ${c.head_hash}; the pack has ${e.entry_hash}` });
  }
  if (pinned.size > 0 && checkpoints.length > 0 && signedBy === 0) add({ problem: 'signature', file: 'checkpoints.json', seq: null, row: null, detail: 'no checkpoint is signed by the pinned key' });
  const last = sorted[sorted.length - 1];
  const signedEnd = checkpoints.some((c) => last && c.seq === last.seq && c.head_hash === last.entry_hash);
  // 4. Events: each is what its leaf committed to; with no filter, every chained event is here.
  const leafOf = new Map();
  for (const e of sorted) (e.event_ids ?? []).forEach((id, i) => leafOf.set(id, { seq: e.seq, leaf: e.leaf_hashes[i], recorded: e.recorded_at }));
  const events = jsonl(files.get('events.jsonl'));
  const seen = new Set();
  for (const ev of events) {
    seen.add(ev.id);
    const l = leafOf.get(ev.id);
    if (!l) add({ problem: 'insertion', file: 'events.jsonl', seq: null, row: ev.id, detail: `event ${ev.id} is not in the chain` });
    else if (eventLeaf(ev) !== l.leaf) add({ problem: 'content', file: 'events.jsonl', seq: l.seq, row: ev.id, detail: `event ${ev.id} differs from what entry ${l.seq} committed to` });
  }
  const purges = sorted
    .filter((e) => e.kind === 'events.purged')
    .map((e) => {
      try {
        return { seq: e.seq, cutoff: Date.parse(JSON.parse(e.content).cutoff) };
      } catch {
        return null;
      }
    })
    .filter(Boolean);
  let purged = 0;
  if (manifest.complete) {
    for (const [id, l] of leafOf) {
      if (seen.has(id) || l.recorded < manifest.from || l.recorded > manifest.until) continue;
      if (purges.some((p) => p.seq > l.seq && p.cutoff > Date.parse(l.recorded))) purged++;
      else add({ problem: 'deletion', file: 'events.jsonl', seq: l.seq, row: id, detail: `event ${id} (chained in entry ${l.seq}) is missing from the pack` });
    }
  }
  // 5. Approvals and deploys: exactly the content their entries committed to.
  const matches = (file, row, seq, kind, content) => {
    if (seq === null || seq === undefined) {
      add({ problem: 'insertion', file, seq: null, row, detail: `${file} row ${row} (${kind}) was never chained` });
      return;
    }
    const e = bySeq.get(seq);
    if (!e) return; // outside the segment
    if (e.kind !== kind || e.content !== canonical(content)) add({ problem: 'content', file, seq, row, detail: `${file} row ${row} differs from what entry ${seq} (${kind}) committed to` });
  };
  let approvals = 0;
  for (const a of jsonl(files.get('approvals.jsonl'))) {
    approvals++;
    matches('approvals.jsonl', a.requested.id, a.request_seq, 'approval.requested', a.requested);
    if (a.decided) matches('approvals.jsonl', a.requested.id, a.decision_seq, 'approval.decided', a.decided);
  }
  const deploys = jsonl(files.get('deploys.jsonl'));
  for (const d of deploys) matches('deploys.jsonl', d.deploy.id, d.seq, 'deploy', d.deploy);
  // 6. Bundles in force: signed by one of the tenant's keys.
  const bundles = jsonl(files.get('bundles.jsonl'));
  for (const b of bundles) {
    if (!b.signature_b64 || !b.public_key || !keys.has(b.public_key) || !edOk(b.public_key, Buffer.from(b.yaml_b64, 'base64'), b.signature_b64))
      add({ problem: 'signature', file: 'bundles.jsonl', seq: null, row: `${b.name}@${b.version}`, detail: `bundle ${b.name} version ${b.version} is not signed by one of the tenant's keys` });
  }
  problems.sort((a, b) => (a.seq ?? Number.MAX_SAFE_INTEGER) - (b.seq ?? Number.MAX_SAFE_INTEGER));
  return {
    ok: problems.length === 0,
    tenant_id: tenant,
    range: { from: manifest.from, until: manifest.until },
    checked: { entries: chain.length, checkpoints: checkpoints.length, events: events.length, approvals, deploys: deploys.length, bundles: bundles.length },
    purged_events: purged,
    signed_to_end: signedEnd,
    first_break: problems[0] ?? null,
    problems: problems.slice(0, 100),
  };
}

async function main() {
  const args = process.argv.slice(2);
  const keys = [];
  let json = false;
  let path = null;
  for (let i = 0; i < args.length; i++) {
    if (args[i] === '--key') keys.push(args[++i] ?? '');
    else if (args[i] === '--json') json = true;
    else path = args[i];
  }
  if (!path) {
    process.stderr.write('usage: node scripts/verify-evidence.mjs <pack.zip> [--key <hex public key>]... [--json]\n');
    process.exit(2);
  }
  let report;
  try {
    report = await verifyPack(path, keys);
  } catch (err) {
    process.stderr.write(`cannot read the pack: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(2);
  }
  if (json) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  else if (report.ok) {
    const c = report.checked;
    process.stdout.write(
      `INTACT: ${c.entries} chain entries, ${c.checkpoints} signed checkpoint(s), ${c.events} events, ${c.approvals} approvals, ${c.deploys} deploys, ${c.bundles} bundles` +
        `${report.purged_events ? `, ${report.purged_events} events purged by a chained retention purge` : ''}` +
        `${report.signed_to_end ? '' : ' (warning: the segment ends after its last signed checkpoint)'}\n`,
    );
  } else {
    const b = report.first_break;
    process.stdout.write(`BROKEN: ${b.problem} in ${b.file}${b.row ? ` row ${b.row}` : ''}: ${b.detail}\n`);
    if (report.problems.length > 1) process.stdout.write(`(${report.problems.length - 1} further problem(s); --json lists them)\n`);
  }
  process.exit(report.ok ? 0 : 1);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === resolve(process.argv[1])) await main();
