import { z } from 'zod';
import { CHANNEL_TYPES } from './channel-config.js';
import { Filters } from './routing.js';

const HTML_LIKE = /<[^>]*>|javascript:|on\w+\s*=/i;

const channelName = z
  .string()
  .trim()
  .min(1, 'must not be empty')
  .max(100, 'must be at most 100 characters')
  .refine((s) => !HTML_LIKE.test(s), 'must not contain HTML or script')
  // eslint-disable-next-line no-control-regex -- control characters are exactly what is refused
  .refine((s) => !/[\u0000-\u001f\u007f]/.test(s), 'must not contain control characters');

/** The config object is checked per type in the service; here only its size is bounded. */
const configObject = z
  .record(z.string().max(64), z.unknown())
  .refine((c) => Object.keys(c).length <= 32, 'must have at most 32 keys')
  .refine((c) => JSON.stringify(c).length <= 64 * 1024, 'must be at most 64 KB');

export const CreateChannelBody = z.strictObject({
  name: channelName,
  channel_type: z.enum(CHANNEL_TYPES),
  config: configObject,
  filters: Filters.nullable().optional(),
});

/** An unsaved channel to test (the dashboard's dialog); `id` lends the stored secrets of that channel to masked values. */
export const TestChannelBody = z.strictObject({
  id: z.string().uuid('must be a UUID').optional(),
  name: channelName.optional(),
  channel_type: z.enum(CHANNEL_TYPES),
  config: configObject,
  filters: Filters.nullable().optional(),
  enabled: z.boolean().optional(),
});

export const UpdateChannelBody = z.strictObject({
  name: channelName.optional(),
  config: configObject.optional(),
  enabled: z.boolean().optional(),
  filters: Filters.nullable().optional(),
});

export const ChannelIdParams = z.strictObject({ id: z.string().uuid('must be a UUID') });
export const ApprovalIdParams = z.strictObject({ id: z.string().uuid('must be a UUID') });

export const ChannelResponse = z.object({
  id: z.string(),
  name: z.string(),
  channel_type: z.string(),
  config: z.record(z.string(), z.unknown()),
  enabled: z.boolean(),
  filters: Filters.nullable(),
  created_at: z.string(),
  last_test_at: z.string().nullable(),
  last_test_ok: z.boolean().nullable(),
});
export const ChannelList = z.array(ChannelResponse);

export const TestResult = z.object({ success: z.boolean(), message: z.string() });

export const Delivery = z.object({
  channel_id: z.string(),
  channel_name: z.string(),
  channel_type: z.string(),
  kind: z.string(),
  status: z.string(),
  attempts: z.number(),
  last_error: z.string().nullable(),
  updated_at: z.string(),
});
export const DeliveryList = z.array(Delivery);

export type CreateChannelBodyT = z.infer<typeof CreateChannelBody>;
export type UpdateChannelBodyT = z.infer<typeof UpdateChannelBody>;
export type TestChannelBodyT = z.infer<typeof TestChannelBody>;
export type ChannelResponseT = z.infer<typeof ChannelResponse>;
