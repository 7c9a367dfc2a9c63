import type { Announcer, Notice } from '../../context.js';
import { breakGlassNotice, breakGlassView } from './breakglass-view.js';
import { channelsRepository } from './channels.repository.js';
import type { NotificationsRuntime } from './notifications.runtime.js';
import { DRIVERS } from './providers/drivers.js';
import { storedFilters } from './routing.js';

/**
 * One-way notices to a tenant's enabled channels (rollout alerts and steps, docs/rollouts.md).
 * Sent at once, not through the approval outbox: a notice has no outcome to edit later, and a
 * missed one is recorded on its rollout anyway. A channel filtered to environments only hears
 * of its own; agent and contract filters concern approvals and do not apply.
 */
export function createAnnouncer(rt: NotificationsRuntime): Announcer {
  const { db } = rt.ctx.deps.database;
  return {
    async announce(tenantId: string, notice: Notice): Promise<void> {
      try {
        const channels = await channelsRepository.listEnabled(db, tenantId);
        const url = notice.link ? `${rt.ctx.deps.config.baseUrl.replace(/\/$/, '')}${notice.link}` : null;
        await Promise.all(
          channels.map(async (c) => {
            const envs = storedFilters(c.filters)?.environments ?? [];
            if (notice.env !== null && envs.length > 0 && !envs.includes(notice.env)) return;
            const read = rt.readConfig(c);
            if (!read) return;
            try {
              await DRIVERS[read.type].notice(read.config, { title: notice.title, lines: notice.lines, url }, rt.io(c.id));
            } catch (err) {
              rt.log.warn({ channel: c.id, err: (err as Error).message }, 'notice delivery failed');
            }
          }),
        );
      } catch (err) {
        rt.log.error({ err }, 'could not send notices');
      }
    },

    /**
     * Every enabled channel of the switch's tenant (a switch has no environment, so environment
     * filters do not apply), except the one a chat admin pressed in: its callback edits that message.
     */
    async breakGlass(sw, step, actor): Promise<void> {
      try {
        const view = breakGlassView(sw, step, actor, rt.ctx.deps.config.baseUrl, rt.ctx.deps.now());
        const channels = await channelsRepository.listEnabled(db, actor.tenantId);
        await Promise.all(
          channels.map(async (c) => {
            if (c.id === actor.via?.channel_id) return;
            const read = rt.readConfig(c);
            if (!read) return;
            const driver = DRIVERS[read.type];
            try {
              if (driver.breakGlass) await driver.breakGlass(read.config, view, rt.io(c.id), null);
              else await driver.notice(read.config, breakGlassNotice(view), rt.io(c.id));
            } catch (err) {
              rt.log.warn({ channel: c.id, switch: sw.id, err: (err as Error).message }, 'break-glass message delivery failed');
            }
          }),
        );
      } catch (err) {
        rt.log.error({ err, switch: sw.id }, 'could not send break-glass messages');
      }
    },
  };
}
