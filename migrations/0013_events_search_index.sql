CREATE TABLE "event_hour_counts" (
	"tenant_id" uuid NOT NULL,
	"hour" timestamp with time zone NOT NULL,
	"env" varchar(64),
	"verdict" varchar(64) NOT NULL,
	"mode" varchar(64) NOT NULL,
	"n" bigint NOT NULL,
	"merged" boolean DEFAULT false NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "event_hour_counts" ADD CONSTRAINT "event_hour_counts_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "ix_event_hour_counts_read" ON "event_hour_counts" USING btree ("tenant_id","hour","env","verdict","mode","n");--> statement-breakpoint
CREATE INDEX "ix_event_hour_counts_unmerged" ON "event_hour_counts" USING btree ("created_at") WHERE NOT "event_hour_counts"."merged";--> statement-breakpoint
-- Hand-added from here (drizzle-kit does not see the partitioned events table).
--
-- 1. The hour level of the counts. The statement triggers of 0004 now append to both tables, in
--    the statement's transaction, from one grouping of its rows (the hour rows are sums of the
--    minute rows), so both levels are exact in every snapshot, whoever writes the events.
CREATE OR REPLACE FUNCTION "event_minute_counts_add"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    WITH m AS (
      SELECT "tenant_id", date_bin('1 minute', "timestamp", timestamptz '1970-01-01 00:00:00+00') AS "minute", "env", "verdict", "mode", count(*) AS "n"
      FROM "new_rows" GROUP BY 1, 2, 3, 4, 5
    ), h AS (
      INSERT INTO "event_hour_counts" ("tenant_id", "hour", "env", "verdict", "mode", "n")
      SELECT "tenant_id", date_bin('1 hour', "minute", timestamptz '1970-01-01 00:00:00+00'), "env", "verdict", "mode", sum("n")
      FROM m GROUP BY 1, 2, 3, 4, 5
    )
    INSERT INTO "event_minute_counts" ("tenant_id", "minute", "env", "verdict", "mode", "n") SELECT * FROM m;
  ELSIF TG_OP = 'DELETE' THEN
    WITH m AS (
      SELECT o."tenant_id", date_bin('1 minute', o."timestamp", timestamptz '1970-01-01 00:00:00+00') AS "minute", o."env", o."verdict", o."mode", -count(*) AS "n"
      FROM "old_rows" o
      WHERE EXISTS (SELECT 1 FROM "tenants" t WHERE t."id" = o."tenant_id")
      GROUP BY 1, 2, 3, 4, 5
    ), h AS (
      INSERT INTO "event_hour_counts" ("tenant_id", "hour", "env", "verdict", "mode", "n")
      SELECT "tenant_id", date_bin('1 hour', "minute", timestamptz '1970-01-01 00:00:00+00'), "env", "verdict", "mode", sum("n")
      FROM m GROUP BY 1, 2, 3, 4, 5
    )
    INSERT INTO "event_minute_counts" ("tenant_id", "minute", "env", "verdict", "mode", "n") SELECT * FROM m;
  ELSE
    -- An update counts only where a counted column changed (the net per key is not 0).
    WITH m AS (
      SELECT "tenant_id", date_bin('1 minute', "timestamp", timestamptz '1970-01-01 00:00:00+00') AS "minute", "env", "verdict", "mode", sum(d) AS "n"
      FROM (
        SELECT "tenant_id", "timestamp", "env", "verdict", "mode", -1 AS d FROM "old_rows"
        UNION ALL
        SELECT "tenant_id", "timestamp", "env", "verdict", "mode", 1 AS d FROM "new_rows"
      ) x
      GROUP BY 1, 2, 3, 4, 5
      HAVING sum(d) <> 0
    ), h AS (
      INSERT INTO "event_hour_counts" ("tenant_id", "hour", "env", "verdict", "mode", "n")
      SELECT "tenant_id", date_bin('1 hour', "minute", timestamptz '1970-01-01 00:00:00+00'), "env", "verdict", "mode", sum("n")
      FROM m GROUP BY 1, 2, 3, 4, 5 HAVING sum("n") <> 0
    )
    INSERT INTO "event_minute_counts" ("tenant_id", "minute", "env", "verdict", "mode", "n") SELECT * FROM m;
  END IF;
  RETURN NULL;
END
$$;
--> statement-breakpoint
-- The hours of the events already stored, summed from their minutes. Writers wait for this
-- transaction (SHARE conflicts with an insert's lock; the index builds below take it anyway): an
-- insert of the previous version's code that committed before is in the minutes summed here, one
-- after commits runs the new trigger. So no event is counted twice or missed at the hour level.
LOCK TABLE "events" IN SHARE MODE;
--> statement-breakpoint
INSERT INTO "event_hour_counts" ("tenant_id", "hour", "env", "verdict", "mode", "n", "merged")
SELECT "tenant_id", date_bin('1 hour', "minute", timestamptz '1970-01-01 00:00:00+00'), "env", "verdict", "mode", sum("n"), true
FROM "event_minute_counts"
GROUP BY 1, 2, 3, 4, 5
HAVING sum("n") <> 0;
--> statement-breakpoint
--
-- 2. A trigram index over the text a search matches: the event's identifiers and its payload as
--    JSON text, exactly the expression of textMatch() in src/modules/events/events.filters.ts
--    (the planner uses an expression index only for the identical expression). pg_trgm answers
--    ILIKE '%term%' from the index for any term with a run of 3+ letters or digits.
--    pg_trgm is a contrib extension: Debian/Ubuntu packages, the official images and PGlite ship
--    it, and it is a trusted extension (a database owner may create it). Where it cannot be
--    created (a managed service without it, a role without CREATE on the database) the index is
--    left out and searches keep the bounded walk: nothing fails, search is only slower.
DO $$
BEGIN
	BEGIN
		CREATE EXTENSION IF NOT EXISTS pg_trgm;
	EXCEPTION WHEN OTHERS THEN
		RAISE NOTICE 'pg_trgm is not available (%): events are searched without a text index', SQLERRM;
	END;
	IF EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm') THEN
		EXECUTE $i$CREATE INDEX IF NOT EXISTS "ix_events_search" ON "events" USING gin (
			("call_id" || ' ' || "agent_id" || ' ' || "tool_name" || ' ' || "verdict" || ' ' || coalesce("payload"::text, '')) gin_trgm_ops
		)$i$;
	END IF;
END
$$;
--> statement-breakpoint
-- 3. The agent, tool and contract indexes carry the columns the histogram and facets read, so a
--    30-day histogram filtered by an agent (or a tool, or a contract) is an index-only scan of that
--    agent's entries instead of a heap visit per event (the per-minute counts have no agent, tool
--    or contract dimension: with 200 agents and 30 tools they would hold about one row per event).
DROP INDEX IF EXISTS "ix_events_tenant_agent_ts";
--> statement-breakpoint
CREATE INDEX "ix_events_tenant_agent_ts" ON "events" ("tenant_id", "agent_id", "timestamp" DESC)
	INCLUDE ("policy_version", "verdict", "mode", "env", "tool_name", "decision_name");
--> statement-breakpoint
DROP INDEX IF EXISTS "ix_events_tenant_tool_ts";
--> statement-breakpoint
CREATE INDEX "ix_events_tenant_tool_ts" ON "events" ("tenant_id", "tool_name", "timestamp" DESC)
	INCLUDE ("verdict", "mode", "env", "agent_id", "decision_name");
--> statement-breakpoint
DROP INDEX IF EXISTS "ix_events_tenant_decision_ts";
--> statement-breakpoint
CREATE INDEX "ix_events_tenant_decision_ts" ON "events" ("tenant_id", "decision_name", "timestamp" DESC)
	INCLUDE ("verdict", "mode", "env", "agent_id", "tool_name");
