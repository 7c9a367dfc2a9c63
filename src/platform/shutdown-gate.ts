import type { FastifyInstance } from 'fastify';
import { unavailable } from './errors.js';

/** What a client is told to wait before retrying a request refused during shutdown. */
export const SHUTDOWN_RETRY_AFTER_SECONDS = 2;

/**
 * Refuses requests that arrive while the server drains (on a keep-alive socket that was idle when
 * shutdown began) with 503 `{detail}` + Retry-After, before any hook touches a dependency: the
 * client retries on another process. This replaces Fastify's `return503OnClosing`, whose body is
 * `{error, message, statusCode}` without Retry-After. Install it first among the onRequest hooks.
 */
export function installShutdownGate(app: FastifyInstance): { close(): void; closing(): boolean } {
  let closing = false;
  app.addHook('onRequest', async () => {
    if (closing) throw unavailable('The console is shutting down; retry shortly.', 'server.closing', SHUTDOWN_RETRY_AFTER_SECONDS);
  });
  return {
    close: () => {
      closing = true;
    },
    closing: () => closing,
  };
}
