import { z } from 'zod';
import { envName } from '../../platform/zod-fastify.js';
import { normaliseTimestamp, repairText } from './events.canonical.js';

/** Most events one POST may carry: the SDK resends its whole 10,000-event buffer (decision 7). */
export const MAX_EVENTS_PER_BATCH = 10_000;
/**
 * Body limit of POST /events. 10,000 realistic SDK events (tool arguments, principal, reason)
 * are 5-15 MB of JSON; 32 MB leaves room without letting one request pin unbounded memory.
 */
export const INGEST_BODY_LIMIT = 32 * 1024 * 1024;

/** A bounded string; NUL and unpaired surrogates become U+FFFD (Postgres cannot store them). */
export const text = (max: number) => z.string().max(max, `must be at most ${max} characters`).transform(repairText);

/** An event timestamp: ISO-8601 with `Z` or an offset, normalised to UTC microseconds. */
const eventTimestamp = z
  .string()
  .max(64, 'must be at most 64 characters')
  .transform((s, ctx) => {
    const n = normaliseTimestamp(s, true);
    if (!n) {
      ctx.addIssue({ code: 'custom', message: 'must be an ISO-8601 date-time with Z or a UTC offset (years 1970-9999)' });
      return z.NEVER;
    }
    return n.iso;
  });

/** A query-string date-time: an offset is optional (a naive value is read as UTC). */
export const queryTimestamp = z
  .string()
  .max(64, 'must be at most 64 characters')
  .transform((s, ctx) => {
    const n = normaliseTimestamp(s, false);
    if (!n) {
      ctx.addIssue({ code: 'custom', message: 'must be an ISO-8601 date-time' });
      return z.NEVER;
    }
    return n;
  });

const payloadObject = z.custom<Record<string, unknown>>(
  (v) => typeof v === 'object' && v !== null && !Array.isArray(v),
  { message: 'must be an object or null' },
);

/** One SDK event (sdk-contract.md section 6). Extra keys are ignored, as the reference does. */
export const EventIn = z.object({
  call_id: text(255),
  agent_id: text(255),
  tool_name: text(255),
  verdict: text(64),
  mode: text(64),
  timestamp: eventTimestamp,
  payload: payloadObject.nullable().optional(),
});
export type EventInT = z.output<typeof EventIn>;

const ManifestContract = z.object({
  id: text(255),
  type: text(64),
  tool: z.union([text(255), z.array(text(255)).max(100, 'must have at most 100 tools')]),
  mode: text(64),
});

export const AgentManifest = z.object({
  agent_id: text(255),
  policy_version: text(255),
  contracts: z.array(ManifestContract).max(1000, 'must have at most 1000 contracts'),
});
export type AgentManifestT = z.output<typeof AgentManifest>;

export const IngestBody = z.strictObject({
  events: z
    .array(EventIn)
    .min(1, 'must contain at least 1 event')
    .max(MAX_EVENTS_PER_BATCH, `must contain at most ${MAX_EVENTS_PER_BATCH} events`),
  agent_manifest: AgentManifest.nullable().optional(),
});
export type IngestBodyT = z.output<typeof IngestBody>;

export const IngestResult = z.object({ accepted: z.number().int(), duplicates: z.number().int() });

// ---------- reading ----------

/** A filter that may repeat (`verdict=a&verdict=b`): values OR together within the filter. */
const multi = (max: number) =>
  z
    .union([text(max), z.array(text(max)).max(50, 'must be given at most 50 times')])
    .transform((v) => (Array.isArray(v) ? v : [v]))
    .optional();

/** Longest free-text search accepted. */
export const MAX_Q_LENGTH = 200;

// Query strings are not strict: like the reference, unknown parameters are ignored, so a
// client's cache-buster or a newer dashboard's extra parameter never turns into a 422.
const filterFields = {
  agent_id: multi(255),
  tool_name: multi(255),
  verdict: multi(64),
  mode: multi(64),
  env: z.union([envName, z.array(envName).max(50)]).transform((v) => (Array.isArray(v) ? v : [v])).optional(),
  contract: multi(255),
  session_id: multi(255),
  workflow: multi(255),
  q: text(MAX_Q_LENGTH).optional(),
  since: queryTimestamp.optional(),
  until: queryTimestamp.optional(),
};

export const EventsQuery = z.object({
  ...filterFields,
  limit: z.coerce.number().int('must be an integer').min(1).max(1000).default(100),
  cursor: z.string().max(200, 'must be at most 200 characters').optional(),
});
export type EventsQueryT = z.output<typeof EventsQuery>;

export const FacetsQuery = z.object(filterFields);
export type FacetsQueryT = z.output<typeof FacetsQuery>;

export const HistogramQuery = z.object({
  ...filterFields,
  since: queryTimestamp,
  until: queryTimestamp,
  bucket_seconds: z.coerce.number().int('must be an integer').min(60).max(86_400).default(7200),
});
export type HistogramQueryT = z.output<typeof HistogramQuery>;

export const EventOut = z.object({
  id: z.string(),
  call_id: z.string(),
  agent_id: z.string(),
  tool_name: z.string(),
  verdict: z.string(),
  mode: z.string(),
  timestamp: z.string(),
  payload: z.record(z.string(), z.unknown()).nullable(),
  created_at: z.string(),
  env: z.string().nullable(),
});
export type EventOutT = z.output<typeof EventOut>;
export const EventList = z.array(EventOut);

export const HistogramBucket = z.object({
  bucket_start: z.string(),
  allowed: z.number().int(),
  denied: z.number().int(),
  pending: z.number().int(),
  observed: z.number().int(),
});
export const HistogramList = z.array(HistogramBucket);

export const FACET_NAMES = ['agent_id', 'tool_name', 'verdict', 'mode', 'env', 'decision_name'] as const;
export type FacetName = (typeof FACET_NAMES)[number];
const FacetValues = z.array(z.object({ value: z.string(), count: z.number().int() }));
export const FacetsOut = z.object({
  facets: z.object({
    agent_id: FacetValues,
    tool_name: FacetValues,
    verdict: FacetValues,
    mode: FacetValues,
    env: FacetValues,
    decision_name: FacetValues,
  }),
  /** Events the counts were taken over (the newest of the window, up to `scan_limit`). */
  scanned: z.number().int(),
  scan_limit: z.number().int(),
  /** True when the window held more events than `scan_limit`: counts cover the newest ones. */
  truncated: z.boolean(),
});
export type FacetsOutT = z.output<typeof FacetsOut>;

export const PurgeQuery = z.object({
  older_than_days: z.coerce.number().int('must be an integer').min(1).max(36_500),
});
export const PurgeResult = z.object({ deleted_count: z.number().int(), cutoff: z.string() });
