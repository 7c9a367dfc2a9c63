CREATE TABLE "event_minute_counts" (
	"tenant_id" uuid NOT NULL,
	"minute" timestamp with time zone NOT NULL,
	"env" varchar(64),
	"verdict" varchar(64) NOT NULL,
	"mode" varchar(64) NOT NULL,
	"n" bigint NOT NULL,
	"merged" boolean DEFAULT false NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "event_minute_counts" ADD CONSTRAINT "event_minute_counts_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "ix_event_minute_counts_read" ON "event_minute_counts" USING btree ("tenant_id","minute","env","verdict","mode","n");--> statement-breakpoint
CREATE INDEX "ix_event_minute_counts_unmerged" ON "event_minute_counts" USING btree ("created_at") WHERE NOT "event_minute_counts"."merged";--> statement-breakpoint
-- Hand-added: the counts are kept by the database itself. Statement-level triggers on the
-- partitioned events table see exactly the rows a statement inserted (a retried event skipped by
-- ON CONFLICT is not among them), deleted or updated, and append their +/- counts in the same
-- transaction, whichever code or process wrote them: a console of the previous version still
-- running during a rolling upgrade, a purge, a manual fix. Rows moved between partitions by the
-- partition function (DML on a partition directly) keep their minute and fire nothing here.
-- A cascade from a deleted tenant appends nothing: the counts cascade with it.
CREATE FUNCTION "event_minute_counts_add"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    INSERT INTO "event_minute_counts" ("tenant_id", "minute", "env", "verdict", "mode", "n")
    SELECT "tenant_id", date_bin('1 minute', "timestamp", timestamptz '1970-01-01 00:00:00+00'), "env", "verdict", "mode", count(*)
    FROM "new_rows"
    GROUP BY 1, 2, 3, 4, 5;
  ELSIF TG_OP = 'DELETE' THEN
    INSERT INTO "event_minute_counts" ("tenant_id", "minute", "env", "verdict", "mode", "n")
    SELECT o."tenant_id", date_bin('1 minute', o."timestamp", timestamptz '1970-01-01 00:00:00+00'), o."env", o."verdict", o."mode", -count(*)
    FROM "old_rows" o
    WHERE EXISTS (SELECT 1 FROM "tenants" t WHERE t."id" = o."tenant_id")
    GROUP BY 1, 2, 3, 4, 5;
  ELSE
    -- An update counts only where a counted column changed (the net per key is not 0).
    INSERT INTO "event_minute_counts" ("tenant_id", "minute", "env", "verdict", "mode", "n")
    SELECT "tenant_id", date_bin('1 minute', "timestamp", timestamptz '1970-01-01 00:00:00+00'), "env", "verdict", "mode", sum(d)
    FROM (
      SELECT "tenant_id", "timestamp", "env", "verdict", "mode", -1 AS d FROM "old_rows"
      UNION ALL
      SELECT "tenant_id", "timestamp", "env", "verdict", "mode", 1 AS d FROM "new_rows"
    ) x
    GROUP BY 1, 2, 3, 4, 5
    HAVING sum(d) <> 0;
  END IF;
  RETURN NULL;
END
$$;--> statement-breakpoint
CREATE TRIGGER "events_minute_counts_insert" AFTER INSERT ON "events"
  REFERENCING NEW TABLE AS "new_rows" FOR EACH STATEMENT EXECUTE FUNCTION "event_minute_counts_add"();--> statement-breakpoint
CREATE TRIGGER "events_minute_counts_delete" AFTER DELETE ON "events"
  REFERENCING OLD TABLE AS "old_rows" FOR EACH STATEMENT EXECUTE FUNCTION "event_minute_counts_add"();--> statement-breakpoint
CREATE TRIGGER "events_minute_counts_update" AFTER UPDATE ON "events"
  REFERENCING OLD TABLE AS "old_rows" NEW TABLE AS "new_rows" FOR EACH STATEMENT EXECUTE FUNCTION "event_minute_counts_add"();--> statement-breakpoint
-- Hand-added: the counts of the events already stored, one merged row per (tenant, minute, env,
-- verdict, mode). In the same transaction as the triggers: CREATE TRIGGER holds a lock that makes
-- concurrent inserts wait until this commits, after which the triggers count them, so no event is
-- counted twice or missed.
INSERT INTO "event_minute_counts" ("tenant_id", "minute", "env", "verdict", "mode", "n", "merged")
SELECT "tenant_id", date_bin('1 minute', "timestamp", timestamptz '1970-01-01 00:00:00+00'), "env", "verdict", "mode", count(*), true
FROM "events"
GROUP BY 1, 2, 3, 4, 5;
