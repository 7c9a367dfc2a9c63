import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import fastifyStatic from '@fastify/static';

export const DEFAULT_STATIC_DIR = resolve(fileURLToPath(new URL('.', import.meta.url)), '../../dashboard/dist');

/**
 * The built SPA at /dashboard: hashed assets cached for a year, every other /dashboard path
 * answered with index.html (no-cache) so deep links work; `/` and unknown non-API paths redirect
 * to /dashboard; unknown /api/* stays a JSON 404 (the not-found handler). Assets go out
 * precompressed (brotli, else gzip) when the build made those copies.
 */
export async function installDashboard(app: FastifyInstance, staticDir: string | undefined): Promise<void> {
  const root = resolve(staticDir ?? DEFAULT_STATIC_DIR);
  const indexPath = join(root, 'index.html');
  const built = existsSync(indexPath);
  let indexHtml: string | null = null;
  const readIndex = () => (indexHtml ??= readFileSync(indexPath, 'utf8'));

  if (built) {
    await app.register(fastifyStatic, {
      root,
      prefix: '/dashboard/',
      wildcard: false,
      index: false,
      decorateReply: false,
      // dashboard/scripts/precompress.mjs writes .br and .gz next to each file at build time:
      // sent with Content-Encoding and Vary: Accept-Encoding when the client accepts them.
      preCompressed: true,
      setHeaders: (reply, path) => {
        if (path.includes(`${join(root, 'assets')}`)) {
          void reply.header('cache-control', 'public, max-age=31536000, immutable');
        } else {
          void reply.header('cache-control', 'no-cache');
        }
      },
    });
  }

  const spa = async (_req: unknown, reply: import('fastify').FastifyReply) => {
    if (!built) {
      return reply
        .code(404)
        .type('text/html; charset=utf-8')
        .send('<!doctype html><title>Dashboard not built</title><p>Dashboard not built. Run <code>npm start</code> (it builds it) or <code>pnpm run build:dashboard</code>.</p>');
    }
    return reply.header('cache-control', 'no-cache').type('text/html; charset=utf-8').send(readIndex());
  };
  app.get('/dashboard', spa);
  app.get('/dashboard/*', async (request, reply) => {
    // A missing hashed asset is a real 404, not the SPA (a stale tab must not get HTML as JS).
    if (request.url.startsWith('/dashboard/assets/')) return reply.code(404).send({ detail: 'Not Found' });
    return spa(request, reply);
  });
  app.get('/', async (_request, reply) => reply.redirect('/dashboard', 302));
}
