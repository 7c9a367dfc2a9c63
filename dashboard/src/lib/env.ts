import type { Tone } from '../components/ui/Badge';

/** Environments are any identifier like this (ours; the reference only had three). */
export const ENV_PATTERN = /^[a-zA-Z0-9][a-zA-Z0-9._-]{0,63}$/;
export const ENV_PATTERN_HTML = '[a-zA-Z0-9][a-zA-Z0-9._\\-]{0,63}';
export const SUGGESTED_ENVS = ['production', 'staging', 'development'] as const;

export function validateEnv(env: string): string | undefined {
  if (!env) return 'Enter an environment.';
  if (!ENV_PATTERN.test(env)) return 'Letters, digits, dot, dash or underscore; start with a letter or digit; at most 64 characters.';
  return undefined;
}

/** Red production, amber staging, emerald development; anything else neutral. */
export function envTone(env: string | null | undefined): Tone {
  const e = (env ?? '').toLowerCase();
  if (e === 'production' || e === 'prod') return 'red';
  if (e === 'staging' || e === 'stage') return 'amber';
  if (e === 'development' || e === 'dev') return 'emerald';
  return 'slate';
}

/** Suggested envs first, then any others seen, no duplicates. */
export function envOptions(seen: Iterable<string | null | undefined>): string[] {
  const out = new Set<string>(SUGGESTED_ENVS);
  for (const e of seen) if (e) out.add(e);
  return [...out];
}
