import { Buffer } from 'node:buffer';
import type { AppContext } from '../../context.js';
import { AppError, notFound, unprocessable } from '../../platform/errors.js';
import { bundlesRepository } from '../bundles/bundles.repository.js';
import type { BundleValidator } from '../bundles/bundle-validator.js';
import { wireProblem } from '../bundles/bundles.service.js';
import type { ReplayService } from '../replay/replay.service.js';
import type { ReplayBodyT } from '../replay/replay.schemas.js';
import { diffBundles } from './bundle-diff.js';
import type { CompositionsService } from './compositions.service.js';
import type { BundleDiffBodyT, CompositionDiffBodyT, DiffResponseT } from './compositions.schemas.js';

const DAY_MS = 24 * 3600_000;

interface Side {
  label: string;
  version: number | null;
  revisionHash: string | null;
  /** The document (null: nothing, e.g. no deployment yet). */
  yaml: string | null;
  /** How the replay names it. */
  replay: ReplayBodyT['candidate'] | ReplayBodyT['baseline'];
}

/**
 * Diff and impact (issue 13): two versions of a bundle, or a composition's deployed version and
 * what it would deploy now, compared contract by contract; the impact is a replay job of the
 * existing replay module (modules/replay) over the last N days of the env's calls, which the
 * dashboard polls at GET /api/v1/bundles/replay/{id}. Both documents go through the engine's
 * loader (off the event loop when large).
 */
export function createDiffService(ctx: AppContext, deps: { validator: BundleValidator; replay: ReplayService; compositions: CompositionsService }) {
  const { db } = ctx.deps.database;

  async function stored(tenantId: string, name: string, version: number, label: string): Promise<Side> {
    const row = await bundlesRepository.get(db, tenantId, name, version);
    if (!row) throw notFound(`Bundle '${name}' v${version} not found`, 'bundles.version_not_found');
    return {
      label,
      version,
      revisionHash: row.revisionHash,
      yaml: Buffer.from(row.yamlBytes).toString('utf8'),
      replay: { bundle_name: name, version },
    };
  }

  async function documentOf(side: Side, field: string): Promise<Record<string, unknown> | null> {
    if (side.yaml === null) return null;
    const parsed = await deps.validator.document(side.yaml, { lenient: true });
    if (!parsed.ok) throw unprocessable(parsed.problems.map((p) => ({ ...wireProblem(p), loc: ['body', field, ...p.loc] })), 'diff.unreadable');
    return parsed.doc;
  }

  async function compare(tenantId: string, by: string, name: string, from: Side, to: Side, env: string, days: number): Promise<DiffResponseT> {
    const [a, b] = await Promise.all([documentOf(from, 'from'), documentOf(to, 'to')]);
    const diff = diffBundles(a, b ?? {});
    let impact: DiffResponseT['impact'] = null;
    let impactError: string | null = days === 0 ? 'No impact asked (impact_days is 0).' : null;
    if (days > 0) {
      const until = ctx.deps.now();
      try {
        impact = await deps.replay.start(tenantId, by, {
          candidate: to.replay as ReplayBodyT['candidate'],
          baseline: from.replay as ReplayBodyT['baseline'],
          env,
          since: new Date(until.getTime() - days * DAY_MS).toISOString(),
          until: until.toISOString(),
          sdk: 'python',
          examples: 10,
        });
      } catch (err) {
        // The diff stands without its impact (too many replays running, say); the reason is given.
        if (!(err instanceof AppError)) throw err;
        impactError = typeof err.detail === 'string' ? err.detail : err.message;
      }
    }
    return {
      bundle_name: name,
      from: { label: from.label, version: from.version, revision_hash: from.revisionHash },
      to: { label: to.label, version: to.version, revision_hash: to.revisionHash },
      ...diff,
      impact,
      impact_error: impactError,
    };
  }

  return {
    async bundle(tenantId: string, by: string, name: string, body: BundleDiffBodyT): Promise<DiffResponseT> {
      const from = await stored(tenantId, name, body.from, `v${body.from}`);
      const to = await stored(tenantId, name, body.to, `v${body.to}`);
      return compare(tenantId, by, name, from, to, body.env, body.impact_days);
    },

    async composition(tenantId: string, by: string, name: string, body: CompositionDiffBodyT): Promise<DiffResponseT> {
      const comp = await deps.compositions.load(tenantId, name);
      let from: Side;
      if (body.from === 'deployed') {
        const cur = await bundlesRepository.current(db, tenantId, body.env, name);
        from = cur
          ? { label: `deployed in ${body.env} (v${cur.version})`, version: cur.version, revisionHash: cur.revisionHash, yaml: Buffer.from(cur.yamlBytes).toString('utf8'), replay: { bundle_name: name, version: cur.version } }
          : { label: `nothing deployed in ${body.env}`, version: null, revisionHash: null, yaml: null, replay: 'none' };
      } else {
        from = await stored(tenantId, name, body.from, `v${body.from}`);
      }
      let to: Side;
      if (typeof body.to === 'number') {
        to = await stored(tenantId, name, body.to, `v${body.to}`);
      } else {
        const asm = await deps.compositions.assembly(tenantId, comp, { promoted: body.to === 'promoted' });
        to = { label: body.to, version: null, revisionHash: asm.revisionHash, yaml: asm.yaml, replay: { yaml_content: asm.yaml } };
      }
      return compare(tenantId, by, name, from, to, body.env, body.impact_days);
    },
  };
}

export type DiffService = ReturnType<typeof createDiffService>;
