import type { FastifyBaseLogger } from 'fastify';
import type { AppContext } from '../../context.js';
import { createSafeFetch, type OutboundPolicy } from '../../platform/ssrf-safe-fetch.js';
import { configCodec, type ConfigCodec } from './channel-codec.js';
import type { ChannelRow } from './channels.repository.js';
import { CHANNEL_TYPES, CONFIG_SCHEMAS, type ChannelType } from './channel-config.js';
import type { DriverIo, SafeFetch } from './providers/driver.js';

/** What the parts of this module share: the app context, the config codec, the one outbound client. */
export interface NotificationsRuntime {
  ctx: AppContext;
  log: FastifyBaseLogger;
  codec: ConfigCodec;
  policy: OutboundPolicy;
  fetch: SafeFetch;
  io(channelId: string, deliveryId?: string | null): DriverIo;
  /** The channel's validated config, or null (logged) when it cannot be read. */
  readConfig(row: ChannelRow): { type: ChannelType; config: Record<string, unknown> } | null;
}

/** Responses are bounded: provider answers are small JSON, and we never echo them anyway. */
const MAX_RESPONSE_BYTES = 64 * 1024;

export function createNotificationsRuntime(ctx: AppContext): NotificationsRuntime {
  const { config, logger } = ctx.deps;
  const policy: OutboundPolicy = {
    allow: config.outbound.allow,
    timeoutMs: config.outbound.timeoutMs,
    maxResponseBytes: MAX_RESPONSE_BYTES,
  };
  const fetch = createSafeFetch(policy);
  const codec = configCodec(ctx.deps.secrets.signingKeySecret);
  const log = logger.child({ module: 'notifications' });
  return {
    ctx,
    log,
    codec,
    policy,
    fetch,
    io: (channelId, deliveryId = null) => ({ fetch, policy, config, now: () => ctx.deps.now(), channelId, deliveryId }),
    readConfig(row) {
      if (!(CHANNEL_TYPES as readonly string[]).includes(row.channelType)) return null;
      const type = row.channelType as ChannelType;
      try {
        const parsed = CONFIG_SCHEMAS[type].safeParse(codec.decrypt(row));
        if (parsed.success) return { type, config: parsed.data };
        log.warn({ channel: row.id }, 'stored channel config does not validate');
      } catch (err) {
        log.warn({ channel: row.id, err: (err as Error).message }, 'channel config cannot be decrypted (was EDICTUM_SIGNING_KEY_SECRET changed?)');
      }
      return null;
    },
  };
}
