/**
 * Escaping of agent-controlled text for each channel (product-surface (c) issue 5, H2).
 * Everything an agent sends (agent id, tool name, message, arguments, contract name) passes
 * through one of these before it reaches a chat or an e-mail.
 */

/** HTML text and attribute values (Telegram HTML parse mode, e-mail HTML part). */
export function escapeHtml(s: string): string {
  return s
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

/**
 * Slack mrkdwn control characters. With `<`, `>` and `&` escaped, `<!channel>`, `<@U123>` and
 * `<http://evil|click>` can no longer be formed (Slack: "Escaping text").
 */
export function escapeSlack(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Inline code in Slack or Discord: a backtick would end the span, so it becomes a look-alike. */
export function inlineCodeSafe(s: string): string {
  return s.replace(/`/g, 'ˋ').replace(/[\r\n]+/g, ' ');
}

/** Text inside a ``` block: a zero-width space after each backtick keeps ``` from closing it. */
export function codeBlockSafe(s: string): string {
  return s.replace(/`/g, '`\u200b');
}

const DISCORD_MARKDOWN = /[\\*_~`|>#\-[\]()<]/g;

/**
 * Discord markdown and mentions. Markdown characters get a backslash; `@everyone`, `@here` and
 * role/user mentions get a zero-width space after the `@`. Messages also carry
 * `allowed_mentions: { parse: [] }`, so nothing pings even if a form slipped through.
 */
export function escapeDiscord(s: string): string {
  return s.replace(DISCORD_MARKDOWN, (c) => `\\${c}`).replace(/@/g, '@\u200b');
}

/** Header values (e-mail subject): no CR/LF or other control characters. */
export function singleLine(s: string): string {
  // eslint-disable-next-line no-control-regex -- control characters are exactly what is removed
  return s.replace(/[\u0000-\u001f\u007f]+/g, ' ').trim();
}

export interface Fitted {
  text: string;
  truncated: boolean;
}

/**
 * The longest prefix of `raw` whose escaped form fits in `budget` characters. Escaping only ever
 * grows text and is applied per character, so the escaped length is monotone in the prefix length
 * and a binary search finds the cut. Never splits a surrogate pair.
 */
export function fitEscaped(raw: string, escape: (s: string) => string, budget: number): Fitted {
  const whole = escape(raw);
  if (whole.length <= budget) return { text: whole, truncated: false };
  let lo = 0;
  let hi = raw.length;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (escape(cut(raw, mid)).length <= budget) lo = mid;
    else hi = mid - 1;
  }
  return { text: escape(cut(raw, lo)), truncated: true };
}

function cut(s: string, n: number): string {
  const code = s.charCodeAt(n - 1);
  // A high surrogate at the end would leave half a character.
  return code >= 0xd800 && code <= 0xdbff ? s.slice(0, n - 1) : s.slice(0, n);
}
