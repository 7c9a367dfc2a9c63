CREATE TABLE "agent_kv" (
	"tenant_id" uuid NOT NULL,
	"key" varchar(256) NOT NULL,
	"value" text NOT NULL,
	"numeric" double precision,
	"expires_at" timestamp with time zone NOT NULL,
	CONSTRAINT "pk_agent_kv" PRIMARY KEY("tenant_id","key")
);
--> statement-breakpoint
CREATE TABLE "agent_registrations" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"tenant_id" uuid NOT NULL,
	"agent_id" varchar(255) NOT NULL,
	"display_name" varchar(255),
	"tags" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"bundle_name" varchar(128),
	"manifest" jsonb,
	"last_env" varchar(64),
	"last_policy_version" varchar(128),
	"last_seen_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "uq_agent_reg_tenant_agent" UNIQUE("tenant_id","agent_id")
);
--> statement-breakpoint
CREATE TABLE "ai_usage_logs" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"tenant_id" uuid NOT NULL,
	"provider" varchar(32) NOT NULL,
	"model" varchar(200) NOT NULL,
	"input_tokens" integer NOT NULL,
	"output_tokens" integer NOT NULL,
	"total_tokens" integer NOT NULL,
	"duration_ms" integer NOT NULL,
	"estimated_cost_usd" numeric(10, 6),
	"request_type" varchar(32) DEFAULT 'assist' NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "api_keys" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"tenant_id" uuid NOT NULL,
	"key_prefix" varchar(96) NOT NULL,
	"key_hash" varchar(64) NOT NULL,
	"env" varchar(64) NOT NULL,
	"label" varchar(255),
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"last_used_at" timestamp with time zone,
	"revoked_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "approvals" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"tenant_id" uuid NOT NULL,
	"agent_id" varchar(255) NOT NULL,
	"tool_name" varchar(255) NOT NULL,
	"tool_args" jsonb,
	"message" text NOT NULL,
	"status" varchar(16) DEFAULT 'pending' NOT NULL,
	"env" varchar(64) DEFAULT 'production' NOT NULL,
	"timeout_seconds" integer DEFAULT 300 NOT NULL,
	"timeout_effect" varchar(16) DEFAULT 'deny' NOT NULL,
	"decision_source" varchar(255),
	"contract_name" varchar(255),
	"decided_by" varchar(255),
	"decided_at" timestamp with time zone,
	"decision_reason" text,
	"decided_via" varchar(64),
	"expires_at" timestamp with time zone NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "assignment_rules" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"tenant_id" uuid NOT NULL,
	"priority" integer NOT NULL,
	"pattern" varchar(200) NOT NULL,
	"tag_match" jsonb,
	"bundle_name" varchar(128) NOT NULL,
	"env" varchar(64) NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "uq_assignment_rule_tenant_priority" UNIQUE("tenant_id","priority")
);
--> statement-breakpoint
CREATE TABLE "auth_sessions" (
	"token_hash" varchar(64) PRIMARY KEY NOT NULL,
	"value" text NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "bundle_composition_items" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"tenant_id" uuid NOT NULL,
	"composition_id" uuid NOT NULL,
	"contract_id" uuid NOT NULL,
	"position" integer NOT NULL,
	"mode_override" varchar(16),
	"enabled" boolean DEFAULT true NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "uq_composition_item" UNIQUE("composition_id","contract_id")
);
--> statement-breakpoint
CREATE TABLE "bundle_compositions" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"tenant_id" uuid NOT NULL,
	"name" varchar(128) NOT NULL,
	"description" text,
	"defaults_mode" varchar(16) DEFAULT 'enforce' NOT NULL,
	"update_strategy" varchar(32) DEFAULT 'manual' NOT NULL,
	"tools_config" jsonb,
	"observability" jsonb,
	"created_by" varchar(255) NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "uq_composition_tenant_name" UNIQUE("tenant_id","name"),
	CONSTRAINT "uq_composition_tenant_pk" UNIQUE("tenant_id","id")
);
--> statement-breakpoint
CREATE TABLE "bundles" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"tenant_id" uuid NOT NULL,
	"name" varchar(128) NOT NULL,
	"version" integer NOT NULL,
	"revision_hash" varchar(64) NOT NULL,
	"yaml_bytes" "bytea" NOT NULL,
	"signature" "bytea",
	"signing_key_id" uuid,
	"source_hub_slug" varchar(255),
	"source_hub_revision" varchar(255),
	"uploaded_by" varchar(255) NOT NULL,
	"composition_id" uuid,
	"composition_snapshot" jsonb,
	"contract_count" integer,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "uq_bundle_tenant_name_version" UNIQUE("tenant_id","name","version")
);
--> statement-breakpoint
CREATE TABLE "contracts" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"tenant_id" uuid NOT NULL,
	"contract_id" varchar(128) NOT NULL,
	"version" integer NOT NULL,
	"type" varchar(32) NOT NULL,
	"name" varchar(255) NOT NULL,
	"description" text,
	"definition" jsonb NOT NULL,
	"tags" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"is_latest" boolean DEFAULT true NOT NULL,
	"created_by" varchar(255) NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "uq_contract_tenant_id_version" UNIQUE("tenant_id","contract_id","version"),
	CONSTRAINT "uq_contract_tenant_pk" UNIQUE("tenant_id","id")
);
--> statement-breakpoint
CREATE TABLE "deployments" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"tenant_id" uuid NOT NULL,
	"env" varchar(64) NOT NULL,
	"bundle_name" varchar(128) NOT NULL,
	"bundle_version" integer NOT NULL,
	"deployed_by" varchar(255) NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "notification_channels" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"tenant_id" uuid NOT NULL,
	"name" varchar(100) NOT NULL,
	"channel_type" varchar(32) NOT NULL,
	"config" jsonb,
	"config_encrypted" "bytea",
	"enabled" boolean DEFAULT true NOT NULL,
	"last_test_at" timestamp with time zone,
	"last_test_ok" boolean,
	"filters" jsonb,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "notification_deliveries" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"tenant_id" uuid NOT NULL,
	"approval_id" uuid NOT NULL,
	"channel_id" uuid NOT NULL,
	"kind" varchar(16) NOT NULL,
	"status" varchar(16) DEFAULT 'pending' NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"next_attempt_at" timestamp with time zone DEFAULT now() NOT NULL,
	"locked_until" timestamp with time zone,
	"last_error" varchar(500),
	"external_ref" jsonb,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "uq_delivery_approval_channel_kind" UNIQUE("approval_id","channel_id","kind")
);
--> statement-breakpoint
CREATE TABLE "signing_keys" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"tenant_id" uuid NOT NULL,
	"public_key" "bytea" NOT NULL,
	"private_key_encrypted" "bytea" NOT NULL,
	"active" boolean DEFAULT true NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "tenant_ai_configs" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"tenant_id" uuid NOT NULL,
	"provider" varchar(32) NOT NULL,
	"api_key_encrypted" "bytea",
	"model" varchar(200),
	"base_url" varchar(500),
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_by" varchar(255),
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "uq_tenant_ai_config_tenant" UNIQUE("tenant_id")
);
--> statement-breakpoint
CREATE TABLE "tenants" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"name" varchar(255) NOT NULL,
	"external_auth_id" varchar(255),
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "uq_tenants_name" UNIQUE("name"),
	CONSTRAINT "uq_tenants_external_auth_id" UNIQUE("external_auth_id")
);
--> statement-breakpoint
CREATE TABLE "users" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"tenant_id" uuid NOT NULL,
	"email" varchar(255) NOT NULL,
	"password_hash" varchar(255) NOT NULL,
	"is_admin" boolean DEFAULT false NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "uq_users_email" UNIQUE("email")
);
--> statement-breakpoint
ALTER TABLE "agent_kv" ADD CONSTRAINT "agent_kv_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "agent_registrations" ADD CONSTRAINT "agent_registrations_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "ai_usage_logs" ADD CONSTRAINT "ai_usage_logs_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "api_keys" ADD CONSTRAINT "api_keys_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "approvals" ADD CONSTRAINT "approvals_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "assignment_rules" ADD CONSTRAINT "assignment_rules_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "bundle_composition_items" ADD CONSTRAINT "bundle_composition_items_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "bundle_composition_items" ADD CONSTRAINT "fk_item_tenant_composition" FOREIGN KEY ("tenant_id","composition_id") REFERENCES "public"."bundle_compositions"("tenant_id","id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "bundle_composition_items" ADD CONSTRAINT "fk_item_tenant_contract" FOREIGN KEY ("tenant_id","contract_id") REFERENCES "public"."contracts"("tenant_id","id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "bundle_compositions" ADD CONSTRAINT "bundle_compositions_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "bundles" ADD CONSTRAINT "bundles_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "bundles" ADD CONSTRAINT "fk_bundle_tenant_composition" FOREIGN KEY ("tenant_id","composition_id") REFERENCES "public"."bundle_compositions"("tenant_id","id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "contracts" ADD CONSTRAINT "contracts_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "deployments" ADD CONSTRAINT "deployments_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "notification_channels" ADD CONSTRAINT "notification_channels_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "notification_deliveries" ADD CONSTRAINT "notification_deliveries_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "notification_deliveries" ADD CONSTRAINT "notification_deliveries_approval_id_approvals_id_fk" FOREIGN KEY ("approval_id") REFERENCES "public"."approvals"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "notification_deliveries" ADD CONSTRAINT "notification_deliveries_channel_id_notification_channels_id_fk" FOREIGN KEY ("channel_id") REFERENCES "public"."notification_channels"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "signing_keys" ADD CONSTRAINT "signing_keys_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "tenant_ai_configs" ADD CONSTRAINT "tenant_ai_configs_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "users" ADD CONSTRAINT "users_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "ix_agent_kv_expires" ON "agent_kv" USING btree ("expires_at");--> statement-breakpoint
CREATE INDEX "ix_agent_registrations_agent_id" ON "agent_registrations" USING btree ("agent_id");--> statement-breakpoint
CREATE INDEX "ix_ai_usage_logs_tenant_created" ON "ai_usage_logs" USING btree ("tenant_id","created_at");--> statement-breakpoint
CREATE UNIQUE INDEX "uq_api_keys_key_hash" ON "api_keys" USING btree ("key_hash");--> statement-breakpoint
CREATE INDEX "ix_api_keys_tenant" ON "api_keys" USING btree ("tenant_id","created_at");--> statement-breakpoint
CREATE INDEX "ix_api_keys_key_prefix" ON "api_keys" USING btree ("key_prefix");--> statement-breakpoint
CREATE INDEX "ix_approvals_tenant_created" ON "approvals" USING btree ("tenant_id","created_at");--> statement-breakpoint
CREATE INDEX "ix_approvals_tenant_status" ON "approvals" USING btree ("tenant_id","status","created_at");--> statement-breakpoint
CREATE INDEX "ix_approvals_pending_expiry" ON "approvals" USING btree ("expires_at") WHERE "approvals"."status" = 'pending';--> statement-breakpoint
CREATE INDEX "ix_auth_sessions_expires" ON "auth_sessions" USING btree ("expires_at");--> statement-breakpoint
CREATE INDEX "ix_items_tenant" ON "bundle_composition_items" USING btree ("tenant_id");--> statement-breakpoint
CREATE INDEX "ix_items_contract" ON "bundle_composition_items" USING btree ("tenant_id","contract_id");--> statement-breakpoint
CREATE INDEX "ix_bundle_compositions_name" ON "bundle_compositions" USING btree ("name");--> statement-breakpoint
CREATE INDEX "ix_bundles_name" ON "bundles" USING btree ("tenant_id","name");--> statement-breakpoint
CREATE INDEX "ix_bundles_revision_hash" ON "bundles" USING btree ("revision_hash");--> statement-breakpoint
CREATE INDEX "ix_bundles_composition" ON "bundles" USING btree ("composition_id");--> statement-breakpoint
CREATE INDEX "ix_bundles_signing_key" ON "bundles" USING btree ("signing_key_id");--> statement-breakpoint
CREATE INDEX "ix_contracts_contract_id" ON "contracts" USING btree ("contract_id");--> statement-breakpoint
CREATE INDEX "ix_deployments_current" ON "deployments" USING btree ("tenant_id","env","bundle_name","created_at");--> statement-breakpoint
CREATE INDEX "ix_deployments_tenant_created" ON "deployments" USING btree ("tenant_id","created_at");--> statement-breakpoint
CREATE INDEX "ix_deployments_bundle_name" ON "deployments" USING btree ("tenant_id","bundle_name");--> statement-breakpoint
CREATE INDEX "ix_notification_channels_tenant" ON "notification_channels" USING btree ("tenant_id","created_at");--> statement-breakpoint
CREATE INDEX "ix_deliveries_due" ON "notification_deliveries" USING btree ("next_attempt_at") WHERE "notification_deliveries"."status" = 'pending';--> statement-breakpoint
CREATE INDEX "ix_deliveries_tenant_approval" ON "notification_deliveries" USING btree ("tenant_id","approval_id");--> statement-breakpoint
CREATE INDEX "ix_deliveries_channel" ON "notification_deliveries" USING btree ("channel_id","updated_at");--> statement-breakpoint
CREATE INDEX "ix_signing_keys_tenant" ON "signing_keys" USING btree ("tenant_id");--> statement-breakpoint
CREATE UNIQUE INDEX "uq_signing_keys_one_active" ON "signing_keys" USING btree ("tenant_id") WHERE "signing_keys"."active";--> statement-breakpoint
CREATE INDEX "ix_users_tenant" ON "users" USING btree ("tenant_id");