import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../context.js';

/** The agents' session key-value store (placeholder until implemented). */
export function registerSessions(_app: FastifyInstance, _ctx: AppContext): void {}
