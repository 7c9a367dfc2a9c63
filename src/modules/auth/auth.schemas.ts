import { z } from 'zod';

export const LoginBody = z.strictObject({
  email: z.string().max(255, 'must be at most 255 characters'),
  password: z
    .string()
    .max(1024, 'must be at most 1024 characters')
    .refine((s) => !s.includes('\u0000'), 'must not contain NUL characters'),
});

export const MessageResponse = z.object({ message: z.string() });

export const MeResponse = z.object({
  user_id: z.string(),
  tenant_id: z.string(),
  /** The organisation name given at setup (shown in the dashboard shell). */
  tenant_name: z.string(),
  email: z.string(),
  is_admin: z.boolean(),
});
