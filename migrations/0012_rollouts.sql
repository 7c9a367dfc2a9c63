CREATE TABLE "agent_labels" (
	"tenant_id" uuid NOT NULL,
	"agent_id" varchar(255) NOT NULL,
	"label" varchar(64) NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "agent_labels_tenant_id_agent_id_label_pk" PRIMARY KEY("tenant_id","agent_id","label")
);
--> statement-breakpoint
CREATE TABLE "assignment_rule_labels" (
	"rule_id" uuid NOT NULL,
	"tenant_id" uuid NOT NULL,
	"label" varchar(64) NOT NULL,
	CONSTRAINT "assignment_rule_labels_rule_id_label_pk" PRIMARY KEY("rule_id","label")
);
--> statement-breakpoint
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
	"in_slice" boolean DEFAULT false NOT NULL,
	CONSTRAINT "rollout_agents_rollout_id_agent_id_pk" PRIMARY KEY("rollout_id","agent_id")
);
--> statement-breakpoint
CREATE TABLE "rollout_steps" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"rollout_id" uuid NOT NULL,
	"tenant_id" uuid NOT NULL,
	"action" varchar(16) NOT NULL,
	"percent" integer,
	"actor" varchar(255) NOT NULL,
	"reason" text,
	"metrics" jsonb,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "rollouts" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"tenant_id" uuid NOT NULL,
	"kind" varchar(16) DEFAULT 'deploy' NOT NULL,
	"deployment_id" uuid,
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
	"canary_percent" integer,
	"canary_step" integer,
	"step_started_at" timestamp with time zone,
	"canary_config" jsonb,
	"outcome_reason" text,
	"created_at" timestamp with time zone NOT NULL,
	"completed_at" timestamp with time zone
);
--> statement-breakpoint
ALTER TABLE "agent_labels" ADD CONSTRAINT "agent_labels_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "assignment_rule_labels" ADD CONSTRAINT "assignment_rule_labels_rule_id_assignment_rules_id_fk" FOREIGN KEY ("rule_id") REFERENCES "public"."assignment_rules"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "assignment_rule_labels" ADD CONSTRAINT "assignment_rule_labels_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "rollout_agents" ADD CONSTRAINT "rollout_agents_rollout_id_rollouts_id_fk" FOREIGN KEY ("rollout_id") REFERENCES "public"."rollouts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "rollout_agents" ADD CONSTRAINT "rollout_agents_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "rollout_steps" ADD CONSTRAINT "rollout_steps_rollout_id_rollouts_id_fk" FOREIGN KEY ("rollout_id") REFERENCES "public"."rollouts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "rollout_steps" ADD CONSTRAINT "rollout_steps_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "rollouts" ADD CONSTRAINT "rollouts_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "rollouts" ADD CONSTRAINT "rollouts_deployment_id_deployments_id_fk" FOREIGN KEY ("deployment_id") REFERENCES "public"."deployments"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "ix_agent_labels_label" ON "agent_labels" USING btree ("tenant_id","label");--> statement-breakpoint
CREATE INDEX "ix_assignment_rule_labels_tenant" ON "assignment_rule_labels" USING btree ("tenant_id");--> statement-breakpoint
CREATE INDEX "ix_rollout_agents_tenant" ON "rollout_agents" USING btree ("tenant_id");--> statement-breakpoint
CREATE INDEX "ix_rollout_agents_state" ON "rollout_agents" USING btree ("rollout_id","state");--> statement-breakpoint
CREATE INDEX "ix_rollout_steps_rollout" ON "rollout_steps" USING btree ("rollout_id","created_at");--> statement-breakpoint
CREATE INDEX "ix_rollout_steps_tenant" ON "rollout_steps" USING btree ("tenant_id");--> statement-breakpoint
CREATE INDEX "ix_rollouts_tenant_created" ON "rollouts" USING btree ("tenant_id","created_at");--> statement-breakpoint
CREATE INDEX "ix_rollouts_deployment" ON "rollouts" USING btree ("deployment_id");--> statement-breakpoint
CREATE INDEX "ix_rollouts_status" ON "rollouts" USING btree ("status");--> statement-breakpoint
CREATE INDEX "ix_rollouts_target" ON "rollouts" USING btree ("tenant_id","env","bundle_name","created_at");