import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ApprovalRow } from '../../src/context.js';
import { approvalView, type ApprovalView } from '../../src/modules/notifications/approval-view.js';
import { maskConfig, maskValue, restoreSecrets } from '../../src/modules/notifications/channel-config.js';
import { escapeDiscord, escapeHtml, escapeSlack, fitEscaped } from '../../src/modules/notifications/escape.js';
import { discordEmbed } from '../../src/modules/notifications/providers/discord.js';
import { slackOutcomeBlocks, slackRequestBlocks } from '../../src/modules/notifications/providers/slack.js';
import { callbackData, telegramText } from '../../src/modules/notifications/providers/telegram.js';
import { signWebhook } from '../../src/modules/notifications/providers/webhook.js';
import { matchesFilters } from '../../src/modules/notifications/routing.js';
import { globMatch } from '../../src/platform/glob.js';

/** Text an agent might send, biased towards every channel's markup characters. */
const hostile = fc.string({ unit: fc.constantFrom('<', '>', '&', '"', "'", '`', '*', '_', '~', '|', '@', '#', '[', ']', '(', ')', '\\', '\n', 'a', 'é', '😀', ' ', '!', ':'), maxLength: 400 });
const longHostile = fc.string({ unit: fc.constantFrom('<', '&', '`', '@', 'x', '"', '\n'), minLength: 3000, maxLength: 9000 });

function row(over: Partial<ApprovalRow>): ApprovalRow {
  const now = new Date('2026-01-01T00:00:00Z');
  return {
    id: '6f1c4a52-6f55-4c3e-9a55-0d6f3f6b7a11',
    tenantId: 't',
    agentId: 'agent',
    toolName: 'tool',
    toolArgs: { a: 1 },
    message: 'm',
    status: 'pending',
    env: 'production',
    timeoutSeconds: 300,
    timeoutEffect: 'deny',
    decisionSource: null,
    contractName: null,
    decidedBy: null,
    decidedAt: null,
    decisionReason: null,
    decidedVia: null,
    sessionId: null,
    expiresAt: new Date(now.getTime() + 300_000),
    createdAt: now,
    ...over,
  };
}

const views = fc
  .record({
    agentId: hostile,
    toolName: hostile,
    message: fc.oneof(hostile, longHostile),
    contractName: fc.option(hostile, { nil: null }),
    args: fc.oneof(fc.dictionary(hostile, hostile, { maxKeys: 5 }), longHostile.map((s) => ({ blob: s }))),
    status: fc.constantFrom('pending', 'approved', 'denied', 'timeout'),
    decidedBy: fc.option(hostile.map((s) => `slack:${s.slice(0, 240)}`), { nil: null }),
    reason: fc.option(fc.oneof(hostile, longHostile), { nil: null }),
  })
  .map((r) => approvalView(row({ agentId: r.agentId, toolName: r.toolName, message: r.message, contractName: r.contractName, toolArgs: r.args, status: r.status, decidedBy: r.decidedBy, decisionReason: r.reason, decidedVia: 'slack', decidedAt: r.status === 'pending' ? null : new Date() }), 'https://console.example.com'));

describe('escaping neutralises agent-controlled text', () => {
  it('Slack: no < or > survives, and & only starts an entity (no <!channel>, no <url|text>)', () => {
    fc.assert(
      fc.property(hostile, (s) => {
        const out = escapeSlack(s);
        expect(out).not.toMatch(/[<>]/);
        expect(out.replace(/&(amp|lt|gt);/g, '')).not.toContain('&');
      }),
    );
    expect(escapeSlack('<!channel> <http://evil|click>')).toBe('&lt;!channel&gt; &lt;http://evil|click&gt;');
  });

  it('HTML (Telegram, e-mail): no tag, quote or bare ampersand survives', () => {
    fc.assert(
      fc.property(hostile, (s) => {
        const out = escapeHtml(s);
        expect(out).not.toMatch(/[<>"']/);
        expect(out.replace(/&(amp|lt|gt|quot|#39);/g, '')).not.toContain('&');
      }),
    );
  });

  it('Discord: mentions are broken and markdown characters are backslash-escaped', () => {
    fc.assert(
      fc.property(hostile, (s) => {
        const out = escapeDiscord(s);
        expect(out).not.toMatch(/@(everyone|here)/);
        expect(out).not.toMatch(/(^|[^\\])[<*_~`|[\]()#>]/);
      }),
    );
    expect(escapeDiscord('@everyone <@123>')).toBe('@\u200beveryone \\<@\u200b123\\>');
  });

  it('fitEscaped returns the escaped form of a prefix, within budget', () => {
    fc.assert(
      fc.property(longHostile, fc.integer({ min: 10, max: 5000 }), (s, budget) => {
        const r = fitEscaped(s, escapeSlack, budget);
        expect(r.text.length).toBeLessThanOrEqual(budget);
        const raw = r.text.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
        expect(s.startsWith(raw)).toBe(true);
        expect(r.truncated).toBe(raw.length < s.length);
      }),
    );
  });
});

describe('messages stay within each platform limit, whatever the agent sends', () => {
  it('Telegram: at most 4096 characters; the only tags are ours', () => {
    fc.assert(
      fc.property(views, (v: ApprovalView) => {
        const text = telegramText(v);
        expect(text.length).toBeLessThanOrEqual(4096);
        expect(text.replace(/<\/?(b|i|code|pre|blockquote)>|<code class="language-json">|<a href="[^"<>]*">|<\/a>/g, '')).not.toMatch(/[<>]/);
      }),
      { numRuns: 150 },
    );
  });

  it('Slack: section text ≤ 3,000, fields ≤ 2,000, and no mrkdwn control sequence in any text', () => {
    fc.assert(
      fc.property(views, (v: ApprovalView) => {
        for (const blocks of [slackRequestBlocks(v, 'ch'), slackOutcomeBlocks(v)]) {
          for (const b of blocks) {
            const text = (b.text as { text?: string } | undefined)?.text;
            if (b.type === 'section' && text !== undefined) {
              expect(text.length).toBeLessThanOrEqual(3000);
              // No `<` means no <!channel>, <@user> or <url|text>; `>` only as our quote marker.
              expect(text).not.toContain('<');
              expect(text.replace(/^>/gm, '')).not.toContain('>');
            }
            for (const fld of (b.fields as { text: string }[] | undefined) ?? []) {
              expect(fld.text.length).toBeLessThanOrEqual(2000);
              expect(fld.text).not.toMatch(/[<>]/);
            }
          }
        }
      }),
      { numRuns: 150 },
    );
  });

  it('Discord: description ≤ 4,096, field values ≤ 1,024, whole embed ≤ 6,000', () => {
    fc.assert(
      fc.property(views, (v: ApprovalView) => {
        const e = discordEmbed(v) as { title: string; description: string; fields: { name: string; value: string }[] };
        expect(e.description.length).toBeLessThanOrEqual(4096);
        for (const fld of e.fields) expect(fld.value.length).toBeLessThanOrEqual(1024);
        const total = e.title.length + e.description.length + e.fields.reduce((n, x) => n + x.name.length + x.value.length, 0);
        expect(total).toBeLessThanOrEqual(6000);
      }),
      { numRuns: 150 },
    );
  });

  it('a truncated argument block says so', () => {
    const v = approvalView(row({ toolArgs: { blob: 'x'.repeat(20_000) } }), 'https://c.example');
    expect(telegramText(v)).toMatch(/Arguments truncated: showing about [\d,]+ of 20,0\d\d characters/);
  });

  it('Telegram callback_data fits in 64 bytes', () => {
    expect(Buffer.byteLength(callbackData('reason', '6f1c4a52-6f55-4c3e-9a55-0d6f3f6b7a11'))).toBe(43);
    expect(() => callbackData('approve', 'x'.repeat(60))).toThrow(/64 bytes/);
  });
});

describe('routing, masking, webhook signatures', () => {
  it('globs follow fnmatch (case-sensitive *, ?, [seq], [!seq]; everything else literal)', () => {
    expect(globMatch('billing-*', 'billing-eu')).toBe(true);
    expect(globMatch('billing-*', 'Billing-eu')).toBe(false);
    expect(globMatch('ops-?', 'ops-1')).toBe(true);
    expect(globMatch('ops-?', 'ops-12')).toBe(false);
    expect(globMatch('db[0-9]', 'db7')).toBe(true);
    expect(globMatch('db[!0-9]', 'db7')).toBe(false);
    expect(globMatch('a.b', 'axb')).toBe(false);
    expect(globMatch('(x|y)+', '(x|y)+')).toBe(true);
  });

  it('filters: every non-empty dimension must match; contract names only when the approval has one', () => {
    const a = { env: 'production', agentId: 'fin-1', contractName: null };
    expect(matchesFilters(null, a)).toBe(true);
    expect(matchesFilters({ environments: ['staging'] }, a)).toBe(false);
    expect(matchesFilters({ environments: ['production'], agent_patterns: ['fin-*'] }, a)).toBe(true);
    expect(matchesFilters({ contract_names: ['pii-*'] }, a)).toBe(true);
    expect(matchesFilters({ contract_names: ['pii-*'] }, { ...a, contractName: 'sql' })).toBe(false);
    expect(matchesFilters({ environments: [], agent_patterns: null }, a)).toBe(true);
  });

  it('masks as the reference does and restores masked values on update', () => {
    expect(maskValue('')).toBe('');
    expect(maskValue('12345678')).toBe('••••••••');
    expect(maskValue('123456789')).toBe('1234••••6789');
    const stored = { bot_token: 'xoxb-secret-token-1', signing_secret: 'signing-secret-1', slack_channel: 'C1' };
    const masked = maskConfig('slack_app', stored);
    expect(masked).toEqual({ bot_token: 'xoxb••••en-1', signing_secret: 'sign••••et-1', slack_channel: 'C1' });
    expect(restoreSecrets('slack_app', { ...masked, slack_channel: 'C2' }, stored)).toEqual({ ...stored, slack_channel: 'C2' });
    // A new value replaces the secret.
    expect(restoreSecrets('slack_app', { ...masked, bot_token: 'xoxb-new' }, stored).bot_token).toBe('xoxb-new');
    // Generated secrets appear on create and survive an update that leaves them out.
    const created = restoreSecrets('webhook', { url: 'https://x' }, null);
    expect(created.secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(restoreSecrets('webhook', { url: 'https://y' }, created).secret).toBe(created.secret);
  });

  it('webhook signatures cover the timestamp, so a replayed body with a new timestamp fails', () => {
    const body = '{"event":"approval_requested"}';
    const sig = signWebhook('k'.repeat(20), '1700000000', body);
    expect(sig).toMatch(/^sha256=[0-9a-f]{64}$/);
    expect(signWebhook('k'.repeat(20), '1700000999', body)).not.toBe(sig);
  });
});
