import { describe, expect, it } from 'vitest';
import { breakglassAdminsProblems, ownEmail } from '../../src/modules/notifications/breakglass-admins.js';
import { chatActor, type Actor } from '../../src/modules/activity/activity.service.js';

const A = 'alice@example.com';
const B = 'bob@example.com';
const msgs = (before: string[] | undefined, after: string[] | undefined, me: string | null) =>
  breakglassAdminsProblems(before, after, me).map((p) => [p.loc[2], p.msg]);

describe('breakglass_admins write rule', () => {
  it('adds and changes only entries with your own e-mail (any case); unchanged and removed entries pass', () => {
    expect(msgs([], [`U1=${A.toUpperCase()}`], A)).toEqual([]);
    expect(msgs([`U2=${B}`], [`U1=${A}`, `U2=${B}`], A)).toEqual([]);
    expect(msgs([`U2=${B}`, `U1=${A}`], [], A)).toEqual([]);
    expect(msgs([`U2=${B.toUpperCase()}`], [`U2=${B}`], A)).toEqual([]);
    expect(msgs([`U2=${B}`], [`U2=${A}`], A)).toEqual([]);
    expect(msgs([], [`U1=${A}`, `U9=${B}`], A)).toEqual([
      [1, expect.stringContaining('each admin links their own chat account')],
    ]);
    expect(msgs([`U2=${A}`], [`U2=${B}`], A)).toHaveLength(1);
  });

  it('refuses one chat user mapped twice', () => {
    expect(msgs([], [`U1=${A}`, `U1=${A}`], A)).toEqual([[1, expect.stringContaining('one chat user acts as one admin')]]);
  });

  it('an API key, a chat identity or the system adds nothing, only removes', () => {
    const key: Actor = {
      tenantId: 't',
      actor: 'key:ed_abc',
      actorType: 'api_key',
      actorId: 'k',
      source: 'api',
      ip: null,
      userAgent: null,
    };
    expect(ownEmail(key)).toBeNull();
    expect(ownEmail(chatActor('t', 'slack:U1'))).toBeNull();
    expect(ownEmail({ ...key, actor: A, actorType: 'user', source: 'chat' })).toBeNull();
    expect(ownEmail({ ...key, actor: A.toUpperCase(), actorType: 'user', source: 'dashboard' })).toBe(A);
    expect(msgs([`U2=${B}`], [], null)).toEqual([]);
    expect(msgs([], [`U1=${A}`], null)).toEqual([[0, expect.stringContaining('without a dashboard session')]]);
  });
});
