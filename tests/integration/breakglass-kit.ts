import { Buffer } from 'node:buffer';
import { expect } from 'vitest';
import { evaluate, loadBundle, type Sdk as EngineSdk } from '../../src/engine/engine.js';
import type { TestApp } from '../helpers/test-app.js';

/** A bundle with tool classifications: `send_email` irreversible, `write_file` write, `read_file` read. */
export function bgBundle(name: string, marker = 'v1'): string {
  return `apiVersion: edictum/v1
kind: ContractBundle
metadata:
  name: ${name}
  description: "${marker}"
defaults:
  mode: enforce
tools:
  send_email: { side_effect: irreversible }
  write_file: { side_effect: write }
  read_file: { side_effect: read }
contracts:
  - id: no-dotenv
    type: pre
    tool: read_file
    when:
      args.path: { ends_with: ".env" }
    then:
      effect: deny
      message: "no secrets"
`;
}

export async function uploadDeploy(
  t: TestApp,
  cookie: string,
  name: string,
  env: string,
  marker = 'v1',
): Promise<{ version: number; revision: string; rulesetRevision: string }> {
  const up = await t.request({
    method: 'POST',
    url: '/api/v1/bundles',
    cookie,
    payload: { yaml_content: bgBundle(name, marker) },
  });
  expect(up.statusCode, up.body).toBe(201);
  const b = up.json() as { version: number; revision_hash: string; ruleset_revision_hash: string };
  const dep = await t.request({ method: 'POST', url: `/api/v1/bundles/${name}/${b.version}/deploy`, cookie, payload: { env } });
  expect(dep.statusCode, dep.body).toBe(201);
  return { version: b.version, revision: b.revision_hash, rulesetRevision: b.ruleset_revision_hash };
}

export interface SwitchJson {
  id: string;
  status: string;
  kind: string;
  expires_at: string;
  effects: Record<string, unknown>;
  can_confirm: boolean;
}

export async function arm(t: TestApp, cookie: string, body: Record<string, unknown>, status = 201): Promise<SwitchJson> {
  const res = await t.request({
    method: 'POST',
    url: '/api/v1/break-glass',
    cookie,
    payload: { reason: 'incident 42', duration_minutes: 30, ...body },
  });
  expect(res.statusCode, res.body).toBe(status);
  return res.json() as SwitchJson;
}

export async function act(
  t: TestApp,
  cookie: string,
  id: string,
  what: 'confirm' | 'extend' | 'disarm',
  payload: Record<string, unknown> = {},
) {
  return t.request({ method: 'POST', url: `/api/v1/break-glass/${id}/${what}`, cookie, payload });
}

/** What the contract engine decides for `tool` with the bytes an agent loaded, on both SDK readings. */
export function decisions(
  bytes: Uint8Array,
  tool: string,
  args: Record<string, unknown> = {},
): { outcome: string; by: string | null }[] {
  const loaded = loadBundle(Buffer.from(bytes).toString('utf8'));
  if (!loaded.ok) throw new Error(`agent could not load its bundle: ${JSON.stringify(loaded.errors)}`);
  return (['python', 'typescript'] as EngineSdk[]).map((sdk) => {
    const v = evaluate(loaded.bundle, { tool, args }, { sdk });
    return { outcome: v.outcome, by: v.decidingContract };
  });
}

export const breakGlassId = (switchId: string) => `break-glass-${switchId.replace(/-/g, '').slice(0, 12)}`;

/** Runs the expiry job once, as the leader's timer would. */
export async function runExpiry(t: TestApp): Promise<void> {
  const job = t.jobs.find((j) => j.name === 'breakglass_expiry');
  if (!job) throw new Error('no breakglass_expiry job');
  await job.run();
}
