-- Audit events, range-partitioned by month on the event's own timestamp (architecture decision 7).
-- Hand-written: drizzle-kit cannot express PARTITION BY. The typed definition is src/db/events-schema.ts.
CREATE TABLE "events" (
	"id" uuid NOT NULL DEFAULT gen_random_uuid(),
	"tenant_id" uuid NOT NULL,
	"call_id" varchar(255) NOT NULL,
	"agent_id" varchar(255) NOT NULL,
	"tool_name" varchar(255) NOT NULL,
	"verdict" varchar(64) NOT NULL,
	"mode" varchar(32) NOT NULL,
	"env" varchar(64),
	"timestamp" timestamp with time zone NOT NULL,
	"payload" jsonb,
	"decision_name" varchar(255),
	"dedup_hash" text NOT NULL,
	"created_at" timestamp with time zone NOT NULL DEFAULT now(),
	CONSTRAINT "pk_events" PRIMARY KEY ("id", "timestamp"),
	CONSTRAINT "uq_event_dedup" UNIQUE ("tenant_id", "call_id", "dedup_hash", "timestamp"),
	CONSTRAINT "fk_events_tenant" FOREIGN KEY ("tenant_id") REFERENCES "tenants"("id") ON DELETE CASCADE
) PARTITION BY RANGE ("timestamp");
--> statement-breakpoint
-- Events whose month has no partition (a wrong agent clock, or far past/future) land here and are
-- moved into their month's partition when it is created.
CREATE TABLE "events_default" PARTITION OF "events" DEFAULT;
--> statement-breakpoint
CREATE INDEX "ix_events_tenant_ts" ON "events" ("tenant_id", "timestamp" DESC, "id" DESC);
--> statement-breakpoint
CREATE INDEX "ix_events_tenant_agent_ts" ON "events" ("tenant_id", "agent_id", "timestamp" DESC);
--> statement-breakpoint
CREATE INDEX "ix_events_tenant_tool_ts" ON "events" ("tenant_id", "tool_name", "timestamp" DESC);
--> statement-breakpoint
CREATE INDEX "ix_events_tenant_verdict_ts" ON "events" ("tenant_id", "verdict", "timestamp" DESC);
--> statement-breakpoint
CREATE INDEX "ix_events_tenant_env_ts" ON "events" ("tenant_id", "env", "timestamp" DESC);
--> statement-breakpoint
CREATE INDEX "ix_events_tenant_decision_ts" ON "events" ("tenant_id", "decision_name", "timestamp" DESC);
--> statement-breakpoint
CREATE INDEX "ix_events_tenant_created" ON "events" ("tenant_id", "created_at");
--> statement-breakpoint
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
	EXECUTE format('CREATE TABLE %I (LIKE "events" INCLUDING DEFAULTS)', part);
	-- Rows that arrived before the partition existed sit in the default partition; move them so
	-- the ATTACH below (which checks the default partition) succeeds and nothing is lost.
	EXECUTE format(
		'WITH moved AS (DELETE FROM "events_default" WHERE "timestamp" >= %L AND "timestamp" < %L RETURNING *) INSERT INTO %I SELECT * FROM moved',
		start_ts, end_ts, part);
	EXECUTE format('ALTER TABLE "events" ATTACH PARTITION %I FOR VALUES FROM (%L) TO (%L)', part, start_ts, end_ts);
	RETURN true;
END;
$$;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION ensure_event_partitions(months_ahead integer DEFAULT 3) RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
	created integer := 0;
	i integer;
BEGIN
	FOR i IN 0..months_ahead LOOP
		IF create_event_partition_if_needed(now() + make_interval(months => i)) THEN
			created := created + 1;
		END IF;
	END LOOP;
	RETURN created;
END;
$$;
--> statement-breakpoint
SELECT ensure_event_partitions(3);
