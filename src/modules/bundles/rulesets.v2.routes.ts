import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { assertEnvAllowed, requireApiKey } from '../../platform/auth.js';
import { toBase64, toHex } from '../../platform/crypto.js';
import { notFound } from '../../platform/errors.js';
import { ErrorResponse, envName } from '../../platform/zod-fastify.js';
import type { BundleSigner } from './bundle-signatures.js';
import { NameParams } from './bundles.schemas.js';

/** Unknown parameters are ignored: a newer SDK adding one must not be locked out (a 4xx fails start-up). */
const RulesetQuery = z.object({ env: envName.optional() });

export const RulesetCurrentResponse = z.object({
  name: z.string(),
  version: z.number().int(),
  /** sha256 of the Ruleset rendering: what the SDK reports back as policy_version. */
  revision_hash: z.string(),
  /** Standard padded base64 of the exact bytes (Py reads only this). */
  yaml_bytes: z.string(),
  /** The same bytes as UTF-8 text (TS and Go prefer it; TS verifies over its UTF-8 encoding). */
  yaml: z.string(),
  signature: z.string(),
  signature_hex: z.string(),
  public_key: z.string(),
  /** revision_hash of the ContractBundle rendering of the same bundle (what /api/v1 serves). */
  contract_bundle_revision_hash: z.string(),
  created_at: z.string(),
});
export type RulesetCurrentT = z.infer<typeof RulesetCurrentResponse>;

const errors = { 401: ErrorResponse, 403: ErrorResponse, 404: ErrorResponse, 422: ErrorResponse, 503: ErrorResponse };

/**
 * `GET /v1/rulesets/{name}/current` (sdk-contract-v2.md 2.1): the `kind: Ruleset` rendering of
 * the bundle deployed as `name`, signed over exactly the bytes served. TS and Go send no `env`:
 * the key's env is used then.
 */
export function rulesetsV2Routes(app: FastifyInstance, signer: BundleSigner): void {
  app.get(
    '/v1/rulesets/:name/current',
    { config: { auth: 'apiKey' }, schema: { params: NameParams, querystring: RulesetQuery, response: { 200: RulesetCurrentResponse, ...errors } } },
    async (request): Promise<RulesetCurrentT> => {
      const p = requireApiKey(request);
      const { name } = request.params as z.output<typeof NameParams>;
      const env = (request.query as z.output<typeof RulesetQuery>).env ?? p.env;
      assertEnvAllowed(p, env, 'access');
      const found = await signer.deliveredTo(p.tenantId, env, name, p.agentId);
      if (!found) throw notFound(`No deployed ruleset '${name}' for env '${env}'`, 'rulesets.not_deployed');
      const r = found.signed.ruleset;
      if (!r) {
        throw notFound(`Ruleset '${name}' v${found.bundle.version} has no Ruleset rendering (it can be served on /api/v1 only)`, 'rulesets.not_renderable');
      }
      return {
        name: found.bundle.name,
        version: found.bundle.version,
        revision_hash: r.revisionHash,
        yaml_bytes: toBase64(r.bytes),
        yaml: Buffer.from(r.bytes).toString('utf8'),
        signature: toBase64(r.signature),
        signature_hex: toHex(r.signature),
        public_key: toHex(found.signed.publicKey),
        contract_bundle_revision_hash: found.bundle.revisionHash,
        created_at: found.bundle.createdAt.toISOString(),
      };
    },
  );
}
