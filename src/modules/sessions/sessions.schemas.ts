import { z } from 'zod';
import { isStorableText } from '../approvals/approvals.schemas.js';

/** console-api.md 1.9: keys the SDKs build (`s:<uuid>:attempts`, `s:<uuid>:tool:<name>`). */
export const SESSION_KEY_RE = /^[a-zA-Z0-9_\-.:/]+$/;
export const SESSION_KEY_MAX = 256;
/** Value cap in characters (the reference's `str ≤ 1,048,576`). */
export const SESSION_VALUE_MAX = 1_048_576;
/**
 * Body cap for PUT: a value at the character cap, whatever it holds, must fit once JSON-escaped
 * (a control character costs 6 bytes as `\u0001`), so the cap is 6x the value cap plus the envelope.
 */
export const SESSION_PUT_BODY_LIMIT = 6 * SESSION_VALUE_MAX + 1024;
export const BATCH_MAX_KEYS = 100;

export const SessionKey = z
  .string()
  .min(1, 'must not be empty')
  .max(SESSION_KEY_MAX, `must be at most ${SESSION_KEY_MAX} characters`)
  .regex(SESSION_KEY_RE, 'must match ^[a-zA-Z0-9_\\-.:/]+$');

export const KeyPath = z.strictObject({ key: SessionKey });

export const PutValueBody = z.strictObject({
  value: z
    .string()
    .max(SESSION_VALUE_MAX, `must be at most ${SESSION_VALUE_MAX} characters`)
    // The database store keeps text, which cannot hold NUL; refused in every mode alike.
    .refine(isStorableText, 'must not contain NUL characters or unpaired surrogates'),
});

/** `{}` (or no body) increments by 1, as the reference's default does. */
export const IncrementBody = z
  .strictObject({
    amount: z.number('must be a finite number').default(1),
  })
  .optional()
  .transform((b) => b ?? { amount: 1 });

export const BatchBody = z.strictObject({
  keys: z.array(SessionKey).max(BATCH_MAX_KEYS, `must hold at most ${BATCH_MAX_KEYS} keys`),
});

export const ValueResponse = z.object({ value: z.string() });
export const NumberResponse = z.object({ value: z.number() });
export const NullResponse = z.object({ value: z.null() });
export const BatchResponse = z.object({ values: z.record(z.string(), z.string().nullable()) });
