import { z } from 'zod';

const noNul = (s: string) => !s.includes('\u0000');

export const Email = z
  .string()
  .trim()
  .max(255, 'must be at most 255 characters')
  .email('must be a valid e-mail address');
export const NewPassword = z
  .string()
  .min(12, 'must be at least 12 characters')
  .max(1024, 'must be at most 1024 characters')
  .refine(noNul, 'must not contain NUL characters');

export const SetupBody = z.strictObject({
  email: Email,
  password: NewPassword,
  tenant_name: z.string().trim().min(1, 'must not be empty').max(255, 'must be at most 255 characters').optional(),
  /** The one-time token from the setup link (optional here so its absence is a 403 naming it). */
  setup_token: z.string().max(256, 'must be at most 256 characters').optional(),
});

export const SetupResponse = z.object({ message: z.string(), user_id: z.string(), tenant_id: z.string() });

export const SetupStatusResponse = z.object({
  bootstrap_complete: z.boolean(),
  /** True until the first admin exists: POST /api/v1/setup then needs `setup_token`. */
  setup_token_required: z.boolean(),
});
