-- Events, second step (hand-written; see src/db/events-schema.ts and docs/events.md).
-- 1. `mode` takes up to 64 characters like `verdict` (the ingest contract bounds both at 64).
--    Widening a varchar is a catalog-only change: no partition is rewritten.
ALTER TABLE "events" ALTER COLUMN "mode" TYPE varchar(64);
--> statement-breakpoint
-- 2. policy_version lifted from the payload (like decision_name) so drift history reads the agent
--    index alone (see 5). Adding a nullable column rewrites nothing; the backfill touches only
--    rows that carry a version.
ALTER TABLE "events" ADD COLUMN "policy_version" varchar(128);
--> statement-breakpoint
UPDATE "events" SET "policy_version" = left("payload"->>'policy_version', 128)
WHERE jsonb_typeof("payload"->'policy_version') = 'string' AND "payload"->>'policy_version' <> '';
--> statement-breakpoint
-- 3. Moving parked rows out of the default partition must not race an insert: a row for the
--    new month landing in the default partition between the move and the ATTACH would make the
--    ATTACH fail. Locking the default partition first (inserts routed there wait a moment;
--    inserts into other partitions do not) makes the move and the attach one step.
CREATE OR REPLACE FUNCTION create_event_partition_if_needed(ts timestamptz) RETURNS boolean
LANGUAGE plpgsql AS $$
DECLARE
	start_ts timestamptz := date_trunc('month', ts AT TIME ZONE 'UTC') AT TIME ZONE 'UTC';
	end_ts timestamptz := (date_trunc('month', ts AT TIME ZONE 'UTC') + interval '1 month') AT TIME ZONE 'UTC';
	part text := 'events_' || to_char(date_trunc('month', ts AT TIME ZONE 'UTC'), 'YYYY_MM');
BEGIN
	IF to_regclass(part) IS NOT NULL THEN
		RETURN false;
	END IF;
	LOCK TABLE "events_default" IN SHARE ROW EXCLUSIVE MODE;
	EXECUTE format('CREATE TABLE %I (LIKE "events" INCLUDING DEFAULTS)', part);
	EXECUTE format(
		'WITH moved AS (DELETE FROM "events_default" WHERE "timestamp" >= %L AND "timestamp" < %L RETURNING *) INSERT INTO %I SELECT * FROM moved',
		start_ts, end_ts, part);
	EXECUTE format('ALTER TABLE "events" ATTACH PARTITION %I FOR VALUES FROM (%L) TO (%L)', part, start_ts, end_ts);
	EXECUTE format('ALTER TABLE %I SET (autovacuum_vacuum_insert_threshold = 50000, autovacuum_vacuum_insert_scale_factor = 0)', part);
	RETURN true;
END;
$$;
--> statement-breakpoint
-- 4. The (tenant, timestamp, id) index carries the columns the dashboard aggregates, so the
--    histogram, facets, stats and fleet coverage read it alone (index-only scans) instead of
--    fetching ~400-byte heap rows: 2-3x faster at 1M+ rows (EXPLAIN evidence in docs/events.md).
DROP INDEX "ix_events_tenant_ts";
--> statement-breakpoint
CREATE INDEX "ix_events_tenant_ts" ON "events" ("tenant_id", "timestamp" DESC, "id" DESC)
	INCLUDE ("agent_id", "tool_name", "verdict", "mode", "env", "decision_name");
--> statement-breakpoint
-- 5. The agent index carries policy_version: an agent's history (its policy version runs and
--    the first event of a version after a deployment) is an index-only scan, ~10x less than
--    reading its payloads.
DROP INDEX "ix_events_tenant_agent_ts";
--> statement-breakpoint
CREATE INDEX "ix_events_tenant_agent_ts" ON "events" ("tenant_id", "agent_id", "timestamp" DESC) INCLUDE ("policy_version");
--> statement-breakpoint
-- 6. Index-only scans need the visibility map, which autovacuum sets. Insert-only tables are
--    vacuumed after 20% new rows by default: the last day of a big partition would never be
--    all-visible. Every 50,000 inserts instead (vacuuming only the new pages is cheap). The
--    setting is per partition: existing ones here, new ones in create_event_partition_if_needed.
DO $$
DECLARE
	p regclass;
BEGIN
	FOR p IN SELECT inhrelid::regclass FROM pg_inherits WHERE inhparent = '"events"'::regclass LOOP
		EXECUTE format('ALTER TABLE %s SET (autovacuum_vacuum_insert_threshold = 50000, autovacuum_vacuum_insert_scale_factor = 0)', p);
	END LOOP;
END;
$$;
