CREATE TABLE "rollout_agents" (
	"rollout_id" uuid NOT NULL,
	"tenant_id" uuid NOT NULL,
	"agent_id" varchar(255) NOT NULL,
	"state" varchar(16) NOT NULL,
	"reason" varchar(32),
	"activated_via" varchar(16),
	"pushed_at" timestamp with time zone,
	"activated_at" timestamp with time zone,
	"last_revision" varchar(128),
	"last_contact_at" timestamp with time zone,
	"detail" text,
	CONSTRAINT "rollout_agents_rollout_id_agent_id_pk" PRIMARY KEY("rollout_id","agent_id")
);
--> statement-breakpoint
CREATE TABLE "rollouts" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"tenant_id" uuid NOT NULL,
	"deployment_id" uuid NOT NULL,
	"env" varchar(64) NOT NULL,
	"bundle_name" varchar(128) NOT NULL,
	"bundle_version" integer NOT NULL,
	"revision_hash" varchar(128) NOT NULL,
	"ruleset_revision_hash" varchar(128),
	"previous_version" integer,
	"deployed_by" varchar(255) NOT NULL,
	"status" varchar(16) DEFAULT 'tracking' NOT NULL,
	"straggler_after_seconds" integer NOT NULL,
	"alerted_at" timestamp with time zone,
	"created_at" timestamp with time zone NOT NULL,
	"completed_at" timestamp with time zone
);
--> statement-breakpoint
ALTER TABLE "rollout_agents" ADD CONSTRAINT "rollout_agents_rollout_id_rollouts_id_fk" FOREIGN KEY ("rollout_id") REFERENCES "public"."rollouts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "rollout_agents" ADD CONSTRAINT "rollout_agents_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "rollouts" ADD CONSTRAINT "rollouts_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "rollouts" ADD CONSTRAINT "rollouts_deployment_id_deployments_id_fk" FOREIGN KEY ("deployment_id") REFERENCES "public"."deployments"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "ix_rollout_agents_tenant" ON "rollout_agents" USING btree ("tenant_id");--> statement-breakpoint
CREATE INDEX "ix_rollout_agents_state" ON "rollout_agents" USING btree ("rollout_id","state");--> statement-breakpoint
CREATE INDEX "ix_rollouts_tenant_created" ON "rollouts" USING btree ("tenant_id","created_at");--> statement-breakpoint
CREATE INDEX "ix_rollouts_deployment" ON "rollouts" USING btree ("deployment_id");--> statement-breakpoint
CREATE INDEX "ix_rollouts_status" ON "rollouts" USING btree ("status");--> statement-breakpoint
CREATE INDEX "ix_rollouts_target" ON "rollouts" USING btree ("tenant_id","env","bundle_name","created_at");