import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AppDeps } from '../../deps.js';
import type { Job } from '../../workers/scheduler.js';
import { badRequest, tooManyRequests, unauthorized } from '../../platform/errors.js';
import { ErrorResponse } from '../../platform/zod-fastify.js';
import { SESSION_COOKIE, requireSession, verifyPassword } from '../../platform/auth.js';
import { authRepository } from './auth.repository.js';
import { sha256Hex } from '../../platform/crypto.js';
import { LoginBody, MeResponse, MessageResponse } from './auth.schemas.js';
import { recordActivity, type Actor } from '../activity/activity.service.js';

export function authRoutes(app: FastifyInstance, deps: AppDeps): void {
  const { config } = deps;
  const cookieOptions = {
    httpOnly: true,
    sameSite: 'lax' as const,
    path: '/',
    secure: config.baseUrlHttps,
  };

  app.post(
    '/api/v1/auth/login',
    {
      bodyLimit: 4 * 1024,
      schema: { body: LoginBody, response: { 200: MessageResponse, 400: ErrorResponse, 401: ErrorResponse, 429: ErrorResponse } },
    },
    async (request, reply) => {
      const { email, password } = request.body as typeof LoginBody._output;
      if (!request.ip) throw badRequest('Cannot determine client address.');
      const { max, windowSeconds } = config.loginRateLimit;
      // Every attempt counts, success or failure (console-api.md 1.3).
      const rate = await deps.rateLimiter.hit(`login:${request.ip}`, max, windowSeconds);
      if (!rate.allowed) {
        throw tooManyRequests('Too many login attempts. Please try again later.', rate.retryAfterSeconds);
      }
      // Per account too (failed attempts only), so one account cannot be tried from many
      // addresses. A locked account answers exactly as a wrong password does, after the same
      // bcrypt work, and unlocks by itself once its failures leave the window.
      const account = `login-account:${sha256Hex(email.trim().toLowerCase())}`;
      const locked = await deps.rateLimiter.full(account, max, windowSeconds);
      const user = await authRepository.findUserByEmail(deps.database.db, email);
      const ok = await verifyPassword(password, user?.passwordHash ?? null);
      if (!user || !ok || locked) {
        if (!locked) await deps.rateLimiter.hit(account, max, windowSeconds);
        request.log.info({ event: locked ? 'login.locked' : 'login.failed' }, 'login failed');
        throw unauthorized('Invalid email or password.', 'auth.invalid_credentials');
      }
      await deps.rateLimiter.reset(account);
      const token = await deps.sessions.create({
        user_id: user.id,
        tenant_id: user.tenantId,
        email: user.email,
        is_admin: user.isAdmin,
      });
      // Its own transaction: the activity row and its audit-chain entry commit together.
      await deps.database.db.transaction((tx) => recordActivity(tx, sessionActor(request, user.tenantId, user.email, user.id), { action: 'auth.login', target: `user:${user.id}` }));
      void reply.setCookie(SESSION_COOKIE, token, { ...cookieOptions, maxAge: config.sessionTtlSeconds });
      request.log.info({ event: 'login.ok', userId: user.id }, 'login');
      return { message: 'Logged in.' };
    },
  );

  app.post(
    '/api/v1/auth/logout',
    { bodyLimit: 4 * 1024, schema: { response: { 200: MessageResponse } } },
    async (request, reply) => {
      if (request.sessionToken) {
        // Logout needs no valid session; when it had one, whose it was is recorded.
        const resolved = await deps.sessions.resolve(request.sessionToken);
        await deps.sessions.destroy(request.sessionToken);
        if ('data' in resolved) {
          const d = resolved.data;
          await deps.database.db.transaction((tx) => recordActivity(tx, sessionActor(request, d.tenant_id, d.email, d.user_id), { action: 'auth.logout', target: `user:${d.user_id}` }));
        }
      }
      void reply.clearCookie(SESSION_COOKIE, { path: '/' });
      return { message: 'Logged out.' };
    },
  );

  app.get('/api/v1/auth/me', { config: { auth: 'session' }, schema: { response: { 200: MeResponse, 401: ErrorResponse, 403: ErrorResponse } } }, async (request) => {
    const p = requireSession(request);
    const tenantName = (await authRepository.tenantName(deps.database.db, p.tenantId)) ?? '';
    return { user_id: p.userId, tenant_id: p.tenantId, tenant_name: tenantName, email: p.email, is_admin: p.isAdmin };
  });
}

/** How often expired dashboard sessions are deleted from the database store. */
export const AUTH_SESSION_SWEEP_INTERVAL_MS = 3600 * 1000;

/**
 * Dashboard sessions are rows in every mode (with Redis they are written through, Redis being
 * their cache): expired ones are invisible (every read checks `expires_at`) but stay until this
 * leader job deletes them.
 */
export function authJobs(deps: AppDeps): Job[] {
  return [
    {
      name: 'auth_session_sweep',
      leaderOnly: true,
      intervalMs: AUTH_SESSION_SWEEP_INTERVAL_MS,
      run: async () => {
        const n = await deps.sessions.sweep();
        if (n > 0) deps.logger.info({ deleted: n }, 'expired dashboard sessions removed');
      },
    },
  ];
}

function sessionActor(request: FastifyRequest, tenantId: string, email: string, userId: string): Actor {
  const ua = request.headers['user-agent'];
  return { tenantId, actor: email, actorType: 'user', actorId: userId, source: 'dashboard', ip: request.ip.slice(0, 64), userAgent: typeof ua === 'string' ? ua.slice(0, 512) : null };
}
