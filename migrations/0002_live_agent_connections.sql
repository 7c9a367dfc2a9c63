CREATE TABLE "live_agent_connections" (
	"id" uuid PRIMARY KEY NOT NULL,
	"process_id" uuid NOT NULL,
	"tenant_id" uuid NOT NULL,
	"agent_id" varchar(255) NOT NULL,
	"env" varchar(64) NOT NULL,
	"bundle_name" varchar(128),
	"bundle_source" varchar(16) NOT NULL,
	"policy_version" varchar(128),
	"key_id" uuid NOT NULL,
	"connected_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "stream_processes" (
	"id" uuid PRIMARY KEY NOT NULL,
	"heartbeat_at" timestamp with time zone DEFAULT now() NOT NULL,
	"started_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "live_agent_connections" ADD CONSTRAINT "live_agent_connections_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "ix_live_agent_connections_tenant" ON "live_agent_connections" USING btree ("tenant_id","agent_id");--> statement-breakpoint
CREATE INDEX "ix_live_agent_connections_process" ON "live_agent_connections" USING btree ("process_id");--> statement-breakpoint
CREATE INDEX "ix_stream_processes_heartbeat" ON "stream_processes" USING btree ("heartbeat_at");