import { z } from 'zod';
import { queryTimestamp } from '../events/events.schemas.js';
import { EventsQuery } from '../events/events.schemas.js';

/** `from`/`until`: ISO-8601 (naive = UTC); defaults: the beginning of time and now. */
const range = {
  from: queryTimestamp.optional(),
  until: queryTimestamp.optional(),
};

export const VerifyQuery = z.object(range);
export type VerifyQueryT = z.output<typeof VerifyQuery>;

const name = (max: number) => z.string().min(1, 'must not be empty').max(max, `must be at most ${max} characters`);

export const EvidenceQuery = z.object({
  ...range,
  agent: name(255).optional(),
  bundle: name(128).optional(),
});
export type EvidenceQueryT = z.output<typeof EvidenceQuery>;

/** The events list's filters, plus the format; no limit or cursor: the export streams everything. */
export const ExportQuery = EventsQuery.omit({ limit: true, cursor: true, q: true }).extend({
  format: z.enum(['csv', 'json']).default('json'),
});
export type ExportQueryT = z.output<typeof ExportQuery>;

const ProblemOut = z.object({
  problem: z.enum(['content', 'order', 'deletion', 'insertion', 'checkpoint', 'signature']),
  seq: z.number().int().nullable(),
  table: z.string(),
  row_id: z.string().nullable(),
  entry_kind: z.string().nullable(),
  detail: z.string(),
  fields: z.array(z.string()).optional(),
});

export const VerifyReportOut = z.object({
  ok: z.boolean(),
  range: z.object({ from: z.string(), until: z.string(), first_seq: z.number().int().nullable(), last_seq: z.number().int().nullable() }),
  checked: z.object({ entries: z.number().int(), events: z.number().int(), source_rows: z.number().int(), checkpoints: z.number().int() }),
  purged_events: z.number().int(),
  last_checkpoint: z.object({ seq: z.number().int(), signed_at: z.string(), reason: z.string() }).nullable(),
  first_break: ProblemOut.nullable(),
  problems: z.array(ProblemOut),
});
