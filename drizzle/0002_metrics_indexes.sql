-- idempotent: rewritten by scripts/idempotent-migrations.mjs
CREATE INDEX IF NOT EXISTS "idx_hangar_bookings_created_cover" ON "hangar_bookings" USING btree ("created_at","hangar_id","status","total_price");
--> statement-breakpoint
CREATE INDEX IF NOT EXISTS "idx_hangar_bookings_confirmed_checkout" ON "hangar_bookings" USING btree ("check_out","hangar_id","check_in") WHERE "hangar_bookings"."status" = 'confirmed';
