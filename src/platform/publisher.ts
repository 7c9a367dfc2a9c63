import type { FastifyBaseLogger } from 'fastify';
import { newMessageId, type PushBus } from './push-bus.js';

/**
 * What services call after commit to tell streams something happened. Failures are logged,
 * never thrown: the write already succeeded and the caller's response must not depend on push.
 */
export interface Publisher {
  dashboard(tenantId: string, type: string, data: Record<string, unknown>): Promise<void>;
  /** To agent streams of a tenant, narrowed to an env and/or one agent id. */
  agents(
    tenantId: string,
    type: string,
    data: Record<string, unknown>,
    to: { env?: string; agentId?: string; bundleName?: string },
  ): Promise<void>;
  control(tenantId: string, type: string, data: Record<string, unknown>): Promise<void>;
}

export function createPublisher(bus: PushBus, log: FastifyBaseLogger): Publisher {
  const send = async (m: Parameters<PushBus['publish']>[0]) => {
    try {
      await bus.publish(m);
    } catch (err) {
      log.error({ err, type: m.type }, 'push failed');
    }
  };
  return {
    dashboard: (tenantId, type, data) => send({ topic: 'dashboard', tenantId, id: newMessageId(), type, data: { type, ...data } }),
    agents: (tenantId, type, data, to) =>
      send({
        topic: 'agents',
        tenantId,
        env: to.env,
        agentId: to.agentId,
        bundleName: to.bundleName,
        id: newMessageId(),
        type,
        data: { type, ...data },
      }),
    control: (tenantId, type, data) => send({ topic: 'control', tenantId, id: newMessageId(), type, data }),
  };
}
