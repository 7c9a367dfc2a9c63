CREATE TABLE "admin_activity" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"tenant_id" uuid NOT NULL,
	"actor" varchar(255) NOT NULL,
	"actor_type" varchar(16) NOT NULL,
	"actor_id" varchar(255),
	"action" varchar(64) NOT NULL,
	"target" varchar(512),
	"detail" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"source" varchar(16) NOT NULL,
	"ip" varchar(64),
	"user_agent" varchar(512),
	"at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "break_glass_switches" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"tenant_id" uuid NOT NULL,
	"kind" varchar(32) NOT NULL,
	"tool" varchar(255),
	"agent_id" varchar(255),
	"reason" text NOT NULL,
	"status" varchar(16) NOT NULL,
	"duration_seconds" integer NOT NULL,
	"armed_by" varchar(255) NOT NULL,
	"armed_by_user_id" varchar(255),
	"confirmed_by" varchar(255),
	"confirmed_at" timestamp with time zone,
	"expires_at" timestamp with time zone NOT NULL,
	"ended_by" varchar(255),
	"ended_at" timestamp with time zone,
	"effects" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "admin_activity" ADD CONSTRAINT "admin_activity_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "break_glass_switches" ADD CONSTRAINT "break_glass_switches_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "ix_admin_activity_tenant_at" ON "admin_activity" USING btree ("tenant_id","at","id");--> statement-breakpoint
CREATE INDEX "ix_admin_activity_tenant_action" ON "admin_activity" USING btree ("tenant_id","action","at");--> statement-breakpoint
CREATE INDEX "ix_admin_activity_tenant_actor" ON "admin_activity" USING btree ("tenant_id","actor","at");--> statement-breakpoint
CREATE INDEX "ix_break_glass_tenant_status" ON "break_glass_switches" USING btree ("tenant_id","status","expires_at");--> statement-breakpoint
CREATE INDEX "ix_break_glass_live_expiry" ON "break_glass_switches" USING btree ("expires_at") WHERE "break_glass_switches"."status" in ('pending', 'active');