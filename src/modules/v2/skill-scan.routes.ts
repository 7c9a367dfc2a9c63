import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { requireApiKey } from '../../platform/auth.js';
import { ErrorResponse } from '../../platform/zod-fastify.js';

const Accepted = z.object({ accepted: z.boolean() });

/**
 * `POST /v1/skill-scan` (sdk-contract-v2.md 2.6): Python's `upload_scan_results()` may post a
 * skill scan report here; no SDK calls it at HEAD. Accepted with a key and acknowledged, not
 * stored: the console has no view for it yet, and a 404 would read as a broken server.
 */
export function skillScanRoutes(app: FastifyInstance): void {
  app.post(
    '/v1/skill-scan',
    {
      config: { auth: 'apiKey' },
      bodyLimit: 1024 * 1024,
      schema: { body: z.record(z.string(), z.unknown()), response: { 200: Accepted, 401: ErrorResponse, 403: ErrorResponse, 422: ErrorResponse } },
    },
    async (request) => {
      const p = requireApiKey(request);
      request.log.info({ tenantId: p.tenantId }, 'skill scan report received');
      return { accepted: true };
    },
  );
}
