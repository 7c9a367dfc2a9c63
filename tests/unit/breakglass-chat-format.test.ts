import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Actor } from '../../src/modules/activity/activity.service.js';
import type { SwitchResponseT } from '../../src/modules/breakglass/breakglass.schemas.js';
import { breakGlassView } from '../../src/modules/notifications/breakglass-view.js';
import { breakglassAdminOf, TelegramConfig } from '../../src/modules/notifications/channel-config.schemas.js';
import { bgCustomId, discordBreakGlass } from '../../src/modules/notifications/providers/discord.js';
import { slackBreakGlassBlocks } from '../../src/modules/notifications/providers/slack.js';
import { bgCallbackData, telegramBreakGlass } from '../../src/modules/notifications/providers/telegram.js';

const ID = '6f1c4a52-6f55-4c3e-9a55-0d6f3f6b7a11';
const hostile = fc.string({ unit: fc.constantFrom('<', '>', '&', '"', '`', '*', '_', '@', '#', '[', ']', '(', ')', '\\', '\n', 'a', '😀', ' ', '!'), maxLength: 1200 });
const statuses = fc.constantFrom('pending', 'active', 'disarmed', 'expired', 'lapsed') as fc.Arbitrary<SwitchResponseT['status']>;

const switchOf = (reason: string, tool: string, agent: string, by: string, status: SwitchResponseT['status']): SwitchResponseT => ({
  id: ID,
  kind: 'freeze_tool',
  tool,
  agent_id: agent,
  reason,
  status,
  duration_seconds: 1800,
  armed_by: by,
  confirmed_by: status === 'pending' ? null : by,
  confirmed_at: status === 'pending' ? null : '2026-01-01T00:00:00.000Z',
  expires_at: '2026-01-01T00:30:00.000Z',
  ended_by: null,
  ended_at: null,
  effects: {},
  created_at: '2026-01-01T00:00:00.000Z',
  can_confirm: false,
});

const chatActor = (email: string): Actor => ({
  tenantId: 't',
  actor: email,
  actorType: 'user',
  actorId: 'u',
  source: 'chat',
  ip: null,
  userAgent: null,
  via: { channel: 'slack', channel_id: ID, chat_user: 'slack:U1' },
});

describe('break-glass chat messages', () => {
  it('escape everything an admin or agent wrote and stay within each platform limit', () => {
    fc.assert(
      fc.property(hostile, hostile, hostile, hostile, statuses, (reason, tool, agent, by, status) => {
        const v = breakGlassView(switchOf(reason, tool, agent, by, status), 'confirm', chatActor(by), 'https://c.example', new Date());
        const tg = telegramBreakGlass(v);
        expect(tg.text.length).toBeLessThanOrEqual(4096);
        expect(tg.text.replace(/<\/?b>|<a href="[^"<>]*">|<\/a>/g, '')).not.toMatch(/[<>]/);
        for (const b of slackBreakGlassBlocks(v, ID)) {
          const text = (b.text as { text?: string } | undefined)?.text;
          if (b.type === 'section' && text !== undefined) {
            expect(text.length).toBeLessThanOrEqual(3000);
            expect(text).not.toMatch(/[<>]/);
          }
        }
        const d = discordBreakGlass(v, ID) as { embeds: { description: string; title: string }[]; allowed_mentions: unknown };
        expect(d.embeds[0]!.description.length).toBeLessThanOrEqual(4096);
        expect(d.embeds[0]!.description).not.toMatch(/@(?!\u200b)/);
        expect(d.allowed_mentions).toEqual({ parse: [] });
      }),
      { numRuns: 100 },
    );
  });

  it('button ids fit: Telegram callback_data ≤ 64 bytes, Discord custom_id ≤ 100', () => {
    for (const a of ['confirm', 'cancel', 'disarm', 'extend'] as const) {
      expect(Buffer.byteLength(bgCallbackData(a, ID))).toBeLessThanOrEqual(64);
      expect(bgCustomId(a, ID, ID).length).toBeLessThanOrEqual(100);
    }
  });

  it('breakglass_admins maps a chat user id to an e-mail, and rejects malformed entries naming the form', () => {
    expect(breakglassAdminOf({ breakglass_admins: ['U1=a@x.io', '42=b@y.io'] }, '42')).toBe('b@y.io');
    expect(breakglassAdminOf({ breakglass_admins: ['U1=a@x.io'] }, 'U2')).toBeNull();
    expect(breakglassAdminOf({}, 'U1')).toBeNull();
    const bad = TelegramConfig.safeParse({ bot_token: `123456789:${'A'.repeat(35)}`, chat_id: -1, breakglass_admins: ['42 alice@example.com'] });
    expect(bad.success).toBe(false);
    expect(JSON.stringify(bad.error?.issues)).toContain('<chat user id>=<console admin e-mail>');
  });
});
