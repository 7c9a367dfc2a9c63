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
-- Hand-added: the counts of the events already stored, one merged row per (tenant, minute, env,
-- verdict, mode), so the histogram reads the same numbers before and after this migration. From
-- here on every statement that inserts or deletes events also writes its counts here (docs/events.md).
INSERT INTO "event_minute_counts" ("tenant_id", "minute", "env", "verdict", "mode", "n", "merged")
SELECT "tenant_id", date_bin('1 minute', "timestamp", timestamptz '1970-01-01 00:00:00+00'), "env", "verdict", "mode", count(*), true
FROM "events"
GROUP BY 1, 2, 3, 4, 5;
