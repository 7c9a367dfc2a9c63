ALTER TABLE "approvals" ADD COLUMN "session_id" varchar(255);--> statement-breakpoint
ALTER TABLE "bundles" ADD COLUMN "uploaded_format" varchar(16) DEFAULT 'contract_bundle' NOT NULL;--> statement-breakpoint
ALTER TABLE "bundles" ADD COLUMN "ruleset_bytes" "bytea";--> statement-breakpoint
ALTER TABLE "bundles" ADD COLUMN "ruleset_revision_hash" varchar(64);--> statement-breakpoint
ALTER TABLE "bundles" ADD COLUMN "ruleset_signature" "bytea";--> statement-breakpoint
ALTER TABLE "bundles" ADD COLUMN "ruleset_signing_key_id" uuid;--> statement-breakpoint
CREATE INDEX "ix_bundles_ruleset_revision_hash" ON "bundles" USING btree ("ruleset_revision_hash");