ALTER TABLE "bundle_composition_items" ADD COLUMN "follow_latest" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "bundle_composition_items" ADD COLUMN "observe_from_contract_id" uuid;--> statement-breakpoint
ALTER TABLE "bundle_compositions" ADD COLUMN "update_available" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "contracts" ADD COLUMN "content_hash" varchar(64);--> statement-breakpoint
ALTER TABLE "bundle_composition_items" ADD CONSTRAINT "fk_item_tenant_observe_from" FOREIGN KEY ("tenant_id","observe_from_contract_id") REFERENCES "public"."contracts"("tenant_id","id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "ix_items_observe_from" ON "bundle_composition_items" USING btree ("tenant_id","observe_from_contract_id");--> statement-breakpoint
CREATE INDEX "ix_items_composition" ON "bundle_composition_items" USING btree ("composition_id","position");--> statement-breakpoint
CREATE INDEX "ix_contracts_tenant_latest" ON "contracts" USING btree ("tenant_id","is_latest","created_at");--> statement-breakpoint
CREATE INDEX "ix_contracts_tenant_hash" ON "contracts" USING btree ("tenant_id","content_hash");