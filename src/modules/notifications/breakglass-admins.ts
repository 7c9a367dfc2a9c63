import { ValidationError, type Problem } from '../../platform/errors.js';
import type { Actor } from '../activity/activity.service.js';

/**
 * Who may write which `breakglass_admins` entry (docs/rollouts.md, "Break-glass from chat").
 *
 * An entry `<chat user id>=<console e-mail>` lets that chat user act as that admin, so an admin
 * who could add an entry for another admin's e-mail could map a chat account they control to that
 * admin and confirm their own switch, defeating the two-admin rule. So on every save an entry
 * that is new or changed must carry the acting admin's own e-mail; entries that are stored
 * already may be sent back unchanged or dropped (dropping only takes power away). One chat user
 * maps to one admin. The field is not masked in responses, so a config read with GET and sent
 * back as it is changes nothing here.
 */
export const OWN_LINK_RULE = 'each admin links their own chat account';

function parts(entry: string): { chatUser: string; email: string } {
  const at = entry.indexOf('=');
  return {
    chatUser: entry.slice(0, at),
    email: entry
      .slice(at + 1)
      .trim()
      .toLowerCase(),
  };
}

const list = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);

/** The e-mail of the admin behind a dashboard session; null for API keys, chat and the system. */
export function ownEmail(actor: Actor): string | null {
  return actor.actorType === 'user' && actor.source !== 'chat' ? actor.actor.toLowerCase() : null;
}

/** Problems with `after` (the parsed new list) against `before` (the stored list), for `actorEmail`. */
export function breakglassAdminsProblems(before: unknown, after: unknown, actorEmail: string | null): Problem[] {
  const stored = new Set(
    list(before).map((e) => {
      const p = parts(e);
      return `${p.chatUser}=${p.email}`;
    }),
  );
  const problems: Problem[] = [];
  const seen = new Map<string, string>();
  list(after).forEach((entry, i) => {
    const loc = ['config', 'breakglass_admins', i];
    const { chatUser, email } = parts(entry);
    const earlier = seen.get(chatUser);
    if (earlier !== undefined) {
      problems.push({ loc, msg: `chat user ${chatUser} is already mapped to ${earlier}: one chat user acts as one admin` });
      return;
    }
    seen.set(chatUser, email);
    if (stored.has(`${chatUser}=${email}`) || (actorEmail !== null && email === actorEmail)) return;
    problems.push({
      loc,
      msg: actorEmail
        ? `"${entry}" names ${email}, not you: ${OWN_LINK_RULE} (${email} adds it while signed in)`
        : `"${entry}" cannot be added without a dashboard session: ${OWN_LINK_RULE}`,
    });
  });
  return problems;
}

/** Throws the 422 the channel routes answer (`loc` `body.config.breakglass_admins[i]`). */
export function checkBreakglassAdmins(
  actor: Actor,
  before: Record<string, unknown> | null | undefined,
  after: Record<string, unknown>,
): void {
  const problems = breakglassAdminsProblems(before?.breakglass_admins, after.breakglass_admins, ownEmail(actor));
  if (problems.length)
    throw new ValidationError(
      problems.map((p) => ({ ...p, loc: ['body', ...p.loc] })),
      'body',
    );
}
