-- Backfill lands in its month (docs/events.md "Partitions"). Hand-written: drizzle-kit does not
-- see the partitioned events table.
--
-- 1. An index on the default partition alone, by timestamp: finding which months have parked rows
--    and cutting them into bounded slices are index reads, not scans of a possibly large table.
CREATE INDEX IF NOT EXISTS "ix_events_default_ts" ON "events_default" ("timestamp");
--> statement-breakpoint
-- 2. Whether a month is (partly) covered by slice partitions (events_YYYY_MM_p<epoch µs>), made by
--    the parked-row mover below. Such a month never gets a whole-month partition (it would overlap).
CREATE OR REPLACE FUNCTION event_month_has_slices(month_part text) RETURNS boolean
LANGUAGE sql STABLE AS $$
	SELECT EXISTS (
		SELECT 1 FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
		WHERE i.inhparent = '"events"'::regclass AND c.relname LIKE month_part || '\_p%'
	);
$$;
--> statement-breakpoint
-- 3. As in 0003, plus: nothing when the month is being sliced; one creator per month at a time
--    (two processes creating the same month wait for each other instead of one failing).
CREATE OR REPLACE FUNCTION create_event_partition_if_needed(ts timestamptz) RETURNS boolean
LANGUAGE plpgsql AS $$
DECLARE
	start_ts timestamptz := date_trunc('month', ts AT TIME ZONE 'UTC') AT TIME ZONE 'UTC';
	end_ts timestamptz := (date_trunc('month', ts AT TIME ZONE 'UTC') + interval '1 month') AT TIME ZONE 'UTC';
	part text := 'events_' || to_char(date_trunc('month', ts AT TIME ZONE 'UTC'), 'YYYY_MM');
BEGIN
	PERFORM pg_advisory_xact_lock(hashtextextended('edictum:event-month:' || part, 0));
	IF to_regclass(part) IS NOT NULL OR event_month_has_slices(part) THEN
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
-- 4. What ingest calls for a month it has not seen yet: 'exists'; 'created' when the month had no
--    partition and no parked rows (an empty CREATE + ATTACH); 'parked' when rows of the month wait
--    in the default partition or the month is being sliced: those are the leader's to move, in
--    bounded slices, so an ingest request never copies a month.
CREATE OR REPLACE FUNCTION ensure_event_month(ts timestamptz) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
	start_ts timestamptz := date_trunc('month', ts AT TIME ZONE 'UTC') AT TIME ZONE 'UTC';
	end_ts timestamptz := (date_trunc('month', ts AT TIME ZONE 'UTC') + interval '1 month') AT TIME ZONE 'UTC';
	part text := 'events_' || to_char(date_trunc('month', ts AT TIME ZONE 'UTC'), 'YYYY_MM');
BEGIN
	IF to_regclass(part) IS NOT NULL THEN
		RETURN 'exists';
	END IF;
	IF event_month_has_slices(part)
		OR EXISTS (SELECT 1 FROM "events_default" WHERE "timestamp" >= start_ts AND "timestamp" < end_ts) THEN
		RETURN 'parked';
	END IF;
	IF create_event_partition_if_needed(ts) THEN
		RETURN 'created';
	END IF;
	RETURN CASE WHEN to_regclass(part) IS NOT NULL THEN 'exists' ELSE 'parked' END;
END;
$$;
--> statement-breakpoint
-- 5. The upkeep loop: this month and the next ones, leaving months with parked rows to the mover.
CREATE OR REPLACE FUNCTION ensure_event_partitions(months_ahead integer DEFAULT 3) RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
	created integer := 0;
	i integer;
BEGIN
	FOR i IN 0..months_ahead LOOP
		IF ensure_event_month(now() + make_interval(months => i)) = 'created' THEN
			created := created + 1;
		END IF;
	END LOOP;
	RETURN created;
END;
$$;
--> statement-breakpoint
-- 6. One bounded slice of parked rows: a new partition for [from_ts, to_ts) inside one month,
--    filled with the parked rows of that range (the caller chose the range to hold at most a
--    batch), then attached. Only inserts routed to the default partition wait, for the length of
--    one slice. The rows move with DML on the partitions themselves, which fires none of the
--    minute-count triggers on "events" (0004): a moved row keeps its minute and is counted once.
CREATE OR REPLACE FUNCTION move_parked_event_slice(from_ts timestamptz, to_ts timestamptz, part text) RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
	month_part text := 'events_' || to_char(date_trunc('month', from_ts AT TIME ZONE 'UTC'), 'YYYY_MM');
	moved bigint;
BEGIN
	PERFORM pg_advisory_xact_lock(hashtextextended('edictum:event-month:' || month_part, 0));
	IF to_regclass(part) IS NOT NULL THEN
		RETURN -1;
	END IF;
	LOCK TABLE "events_default" IN SHARE ROW EXCLUSIVE MODE;
	EXECUTE format('CREATE TABLE %I (LIKE "events" INCLUDING DEFAULTS)', part);
	EXECUTE format(
		'WITH moved AS (DELETE FROM "events_default" WHERE "timestamp" >= %L AND "timestamp" < %L RETURNING *) INSERT INTO %I SELECT * FROM moved',
		from_ts, to_ts, part);
	GET DIAGNOSTICS moved = ROW_COUNT;
	EXECUTE format('ALTER TABLE "events" ATTACH PARTITION %I FOR VALUES FROM (%L) TO (%L)', part, from_ts, to_ts);
	EXECUTE format('ALTER TABLE %I SET (autovacuum_vacuum_insert_threshold = 50000, autovacuum_vacuum_insert_scale_factor = 0)', part);
	RETURN moved;
END;
$$;
