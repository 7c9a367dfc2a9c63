import type { z } from 'zod';
import { notFound, ValidationError, zodProblems, type Problem } from '../../platform/errors.js';
import { checkUrl } from '../../platform/ssrf-safe-fetch.js';
import { CONFIG_SCHEMAS, maskConfig, restoreSecrets, type ChannelType, type TelegramConfigT } from './channel-config.js';
import { checkBreakglassAdmins } from './breakglass-admins.js';
import { channelsRepository, type ChannelRow } from './channels.repository.js';
import type { NotificationsRuntime } from './notifications.runtime.js';
import type { ChannelResponseT, CreateChannelBodyT, TestChannelBodyT, UpdateChannelBodyT } from './notifications.schemas.js';
import { DeliveryError } from './providers/driver.js';
import { DRIVERS } from './providers/drivers.js';
import { registerTelegramWebhook } from './providers/telegram.js';
import { storedFilters } from './routing.js';
import { recordActivity, type Actor } from '../activity/activity.service.js';

const NOT_FOUND = 'Notification channel not found.';

function configError(problems: Problem[]): ValidationError {
  return new ValidationError(problems.map((p) => ({ ...p, loc: ['body', 'config', ...p.loc.slice(1)] })), 'body');
}

/** URL-bearing keys checked against the outbound policy on save (and again at every send). */
const URL_KEYS: Partial<Record<ChannelType, string>> = { slack: 'webhook_url', webhook: 'url', email: 'smtp_host' };

export function createChannelsService(rt: NotificationsRuntime) {
  const { db } = rt.ctx.deps.database;

  async function validate(type: ChannelType, incoming: Record<string, unknown>, stored: Record<string, unknown> | null): Promise<Record<string, unknown>> {
    const merged = restoreSecrets(type, incoming, stored);
    const parsed = CONFIG_SCHEMAS[type].safeParse(merged);
    if (!parsed.success) throw configError(zodProblems(parsed.error as z.ZodError, 'config'));
    const key = URL_KEYS[type];
    const value = key ? parsed.data[key] : undefined;
    if (key && typeof value === 'string') {
      const target = key === 'smtp_host' ? `http://${value.includes(':') && !value.startsWith('[') ? `[${value}]` : value}/` : value;
      try {
        await checkUrl(target, rt.policy);
      } catch (err) {
        const reason = (err as { reason?: unknown }).reason;
        const msg = typeof reason === 'string' ? reason : (err as Error).message;
        throw configError([{ loc: ['config', key], msg: `is not allowed: ${msg}` }]);
      }
    }
    return parsed.data;
  }

  function toResponse(row: ChannelRow): ChannelResponseT {
    const read = rt.readConfig(row);
    return {
      id: row.id,
      name: row.name,
      channel_type: row.channelType,
      config: read ? maskConfig(row.channelType, read.config) : {},
      enabled: row.enabled,
      filters: storedFilters(row.filters),
      created_at: row.createdAt.toISOString(),
      last_test_at: row.lastTestAt?.toISOString() ?? null,
      last_test_ok: row.lastTestOk,
    };
  }

  /** Telegram only calls https webhooks; register ours on every save of an enabled channel. */
  async function afterSave(row: ChannelRow, type: ChannelType, config: Record<string, unknown>): Promise<void> {
    if (type !== 'telegram' || !row.enabled || !rt.ctx.deps.config.baseUrlHttps) return;
    try {
      await registerTelegramWebhook(config as TelegramConfigT, rt.io(row.id));
    } catch (err) {
      rt.log.warn({ channel: row.id, err: (err as Error).message }, 'telegram setWebhook failed; the channel test shows why');
    }
  }

  return {
    toResponse,
    async list(tenantId: string): Promise<ChannelResponseT[]> {
      return (await channelsRepository.list(db, tenantId)).map(toResponse);
    },
    async create(actor: Actor, body: CreateChannelBodyT): Promise<ChannelResponseT> {
      const { tenantId } = actor;
      const config = await validate(body.channel_type, body.config, null);
      checkBreakglassAdmins(actor, null, config);
      const row = await db.transaction(async (tx) => {
        const r = await channelsRepository.insert(tx, {
          tenantId,
          name: body.name,
          channelType: body.channel_type,
          configEncrypted: rt.codec.encrypt(config),
          filters: body.filters ?? null,
        });
        // Never the config: it holds tokens and secrets.
        await recordActivity(tx, actor, { action: 'channel.create', target: `channel:${r.id}`, detail: { name: r.name, channel_type: r.channelType } });
        return r;
      });
      await afterSave(row, body.channel_type, config);
      return toResponse(row);
    },
    async update(actor: Actor, id: string, body: UpdateChannelBodyT): Promise<ChannelResponseT> {
      const { tenantId } = actor;
      const existing = await channelsRepository.get(db, tenantId, id);
      if (!existing) throw notFound(NOT_FOUND, 'notifications.channel_not_found');
      const type = existing.channelType as ChannelType;
      let config: Record<string, unknown> | null = null;
      if (body.config) config = await validate(type, body.config, rt.readConfig(existing)?.config ?? null);
      const row = await db.transaction(async (tx) => {
        if (config) {
          // Who may write which break-glass mapping is judged against the row as stored at the
          // moment of writing (locked), not as read before validation.
          const current = await channelsRepository.get(tx, tenantId, id, { forUpdate: true });
          if (!current) return null;
          checkBreakglassAdmins(actor, rt.readConfig(current)?.config, config);
        }
        const r = await channelsRepository.update(tx, tenantId, id, {
          ...(body.name !== undefined ? { name: body.name } : {}),
          ...(body.enabled !== undefined ? { enabled: body.enabled } : {}),
          ...(body.filters !== undefined ? { filters: body.filters } : {}),
          ...(config ? { configEncrypted: rt.codec.encrypt(config) } : {}),
        });
        if (r) {
          const changed = Object.keys(body).filter((k) => (body as Record<string, unknown>)[k] !== undefined);
          await recordActivity(tx, actor, { action: 'channel.update', target: `channel:${id}`, detail: { name: r.name, changed, enabled: r.enabled } });
        }
        return r;
      });
      if (!row) throw notFound(NOT_FOUND, 'notifications.channel_not_found');
      const current = config ?? rt.readConfig(row)?.config;
      if (current && (config || body.enabled === true)) await afterSave(row, type, current);
      return toResponse(row);
    },
    async remove(actor: Actor, id: string): Promise<void> {
      const removed = await db.transaction(async (tx) => {
        if (!(await channelsRepository.delete(tx, actor.tenantId, id))) return false;
        await recordActivity(tx, actor, { action: 'channel.delete', target: `channel:${id}` });
        return true;
      });
      if (!removed) throw notFound(NOT_FOUND, 'notifications.channel_not_found');
    },
    /** Test a channel before saving it; nothing is stored and no webhook is registered. */
    async testUnsaved(actor: Actor, body: TestChannelBodyT): Promise<{ success: boolean; message: string }> {
      const { tenantId } = actor;
      const stored = body.id ? await channelsRepository.get(db, tenantId, body.id) : null;
      if (body.id && !stored) throw notFound(NOT_FOUND, 'notifications.channel_not_found');
      const storedConfig = stored && stored.channelType === body.channel_type ? (rt.readConfig(stored)?.config ?? null) : null;
      const config = await validate(body.channel_type, body.config, storedConfig);
      const result = await runDriverTest(rt, body.channel_type, config, '');
      await db.transaction((tx) => recordActivity(tx, actor, { action: 'channel.test', target: body.id ? `channel:${body.id}` : null, detail: { channel_type: body.channel_type, saved: false, success: result.success } }));
      return result;
    },
    async test(actor: Actor, id: string): Promise<{ success: boolean; message: string }> {
      const { tenantId } = actor;
      const row = await channelsRepository.get(db, tenantId, id);
      if (!row) throw notFound(NOT_FOUND, 'notifications.channel_not_found');
      const result = await runTest(rt, row);
      await db.transaction(async (tx) => {
        await channelsRepository.recordTest(tx, tenantId, id, rt.ctx.deps.now(), result.success);
        await recordActivity(tx, actor, { action: 'channel.test', target: `channel:${id}`, detail: { name: row.name, saved: true, success: result.success } });
      });
      return result;
    },
  };
}

async function runTest(rt: NotificationsRuntime, row: ChannelRow): Promise<{ success: boolean; message: string }> {
  const read = rt.readConfig(row);
  if (!read) return { success: false, message: 'The stored configuration cannot be read (was EDICTUM_SIGNING_KEY_SECRET changed?) — save the channel again with its secrets.' };
  return runDriverTest(rt, read.type, read.config, row.id);
}

/** `channelId` is '' for an unsaved channel (then nothing refers back to it, e.g. no setWebhook). */
async function runDriverTest(rt: NotificationsRuntime, type: ChannelType, config: Record<string, unknown>, channelId: string): Promise<{ success: boolean; message: string }> {
  try {
    return { success: true, message: await DRIVERS[type].test(config, rt.io(channelId)) };
  } catch (err) {
    if (err instanceof DeliveryError) return { success: false, message: err.message };
    rt.log.error({ err, channel: channelId }, 'channel test failed unexpectedly');
    return { success: false, message: 'The test failed unexpectedly — see the server log.' };
  }
}
