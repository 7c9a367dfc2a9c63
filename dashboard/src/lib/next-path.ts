/**
 * The ?next= path to return to after sign-in, accepted only when it is a path inside the
 * dashboard (no scheme, no //host), so a crafted link cannot bounce the user elsewhere.
 */
export function safeNext(raw: string | null): string {
  if (!raw || !raw.startsWith('/') || raw.startsWith('//') || raw.includes('\\')) return '/';
  if (raw.startsWith('/login') || raw.startsWith('/setup')) return '/';
  return raw;
}
