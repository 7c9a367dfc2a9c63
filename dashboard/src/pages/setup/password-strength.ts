export interface Strength {
  score: 0 | 1 | 2 | 3 | 4;
  label: string;
  ok: boolean;
}

export const MIN_PASSWORD = 12;

/**
 * A rough hint, not a gate: the server only requires 12 characters. Length matters most;
 * mixing character classes and avoiding repeats and obvious words helps a little.
 */
export function passwordStrength(pw: string): Strength {
  if (pw.length === 0) return { score: 0, label: `At least ${MIN_PASSWORD} characters`, ok: false };
  if (pw.length < MIN_PASSWORD) return { score: 0, label: `Too short (${pw.length}/${MIN_PASSWORD})`, ok: false };
  const classes = [/[a-z]/, /[A-Z]/, /\d/, /[^A-Za-z0-9]/].filter((r) => r.test(pw)).length;
  let points = classes;
  if (pw.length >= 16) points += 1;
  if (pw.length >= 20) points += 1;
  if (/(.)\1{2,}/.test(pw)) points -= 1;
  if (/password|123456|qwerty|letmein|admin|edictum/i.test(pw)) points -= 2;
  if (new Set(pw).size < pw.length / 3) points -= 1;
  if (points <= 1) return { score: 1, label: 'Weak: add length or mix in digits and symbols', ok: true };
  if (points <= 3) return { score: 2, label: 'Fair', ok: true };
  if (points <= 4) return { score: 3, label: 'Good', ok: true };
  return { score: 4, label: 'Strong', ok: true };
}
