CREATE TABLE "audit_chain_entries" (
	"tenant_id" uuid NOT NULL,
	"seq" bigint NOT NULL,
	"kind" varchar(64) NOT NULL,
	"ref_id" varchar(255) NOT NULL,
	"content" text NOT NULL,
	"content_hash" text NOT NULL,
	"prev_hash" text NOT NULL,
	"entry_hash" text NOT NULL,
	"recorded_at" timestamp with time zone NOT NULL,
	"event_ids" uuid[],
	"leaf_hashes" text[],
	CONSTRAINT "pk_audit_chain_entries" PRIMARY KEY("tenant_id","seq")
);
--> statement-breakpoint
CREATE TABLE "audit_chain_heads" (
	"tenant_id" uuid PRIMARY KEY NOT NULL,
	"seq" bigint NOT NULL,
	"head_hash" text NOT NULL,
	"prev_hash" text NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "audit_checkpoints" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"tenant_id" uuid NOT NULL,
	"seq" bigint NOT NULL,
	"head_hash" text NOT NULL,
	"signed_at" timestamp with time zone NOT NULL,
	"reason" varchar(16) NOT NULL,
	"key_id" uuid NOT NULL,
	"public_key" text NOT NULL,
	"signature" text NOT NULL
);
--> statement-breakpoint
CREATE TABLE "audit_export_cursors" (
	"tenant_id" uuid NOT NULL,
	"sink" varchar(32) NOT NULL,
	"last_seq" bigint NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "pk_audit_export_cursors" PRIMARY KEY("tenant_id","sink")
);
--> statement-breakpoint
ALTER TABLE "audit_chain_entries" ADD CONSTRAINT "audit_chain_entries_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "audit_chain_heads" ADD CONSTRAINT "audit_chain_heads_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "audit_checkpoints" ADD CONSTRAINT "audit_checkpoints_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "audit_export_cursors" ADD CONSTRAINT "audit_export_cursors_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "ix_audit_chain_entries_recorded" ON "audit_chain_entries" USING btree ("tenant_id","recorded_at");--> statement-breakpoint
CREATE INDEX "ix_audit_chain_entries_ref" ON "audit_chain_entries" USING btree ("tenant_id","kind","ref_id");--> statement-breakpoint
CREATE INDEX "ix_audit_checkpoints_tenant_seq" ON "audit_checkpoints" USING btree ("tenant_id","seq");--> statement-breakpoint
CREATE INDEX "ix_audit_checkpoints_tenant_signed" ON "audit_checkpoints" USING btree ("tenant_id","signed_at");