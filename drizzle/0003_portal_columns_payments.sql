-- idempotent: rewritten by scripts/idempotent-migrations.mjs
CREATE TABLE IF NOT EXISTS "booking_payments" (
	"booking_id" integer PRIMARY KEY NOT NULL,
	"payment_intent_id" varchar(100) NOT NULL,
	"status" varchar(30) NOT NULL,
	"amount" numeric(12, 2),
	"charge_id" varchar(100),
	"paid_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "booking_payments" ADD COLUMN IF NOT EXISTS "payment_intent_id" varchar(100);
--> statement-breakpoint
ALTER TABLE "booking_payments" ADD COLUMN IF NOT EXISTS "status" varchar(30);
--> statement-breakpoint
ALTER TABLE "booking_payments" ADD COLUMN IF NOT EXISTS "amount" numeric(12, 2);
--> statement-breakpoint
ALTER TABLE "booking_payments" ADD COLUMN IF NOT EXISTS "charge_id" varchar(100);
--> statement-breakpoint
ALTER TABLE "booking_payments" ADD COLUMN IF NOT EXISTS "paid_at" timestamp with time zone;
--> statement-breakpoint
ALTER TABLE "booking_payments" ADD COLUMN IF NOT EXISTS "created_at" timestamp with time zone DEFAULT now() NOT NULL;
--> statement-breakpoint
ALTER TABLE "booking_payments" ADD COLUMN IF NOT EXISTS "updated_at" timestamp with time zone DEFAULT now() NOT NULL;
--> statement-breakpoint
CREATE TABLE IF NOT EXISTS "booking_refunds" (
	"id" serial PRIMARY KEY NOT NULL,
	"booking_id" integer NOT NULL,
	"payment_intent_id" varchar(100),
	"refund_id" varchar(100),
	"amount" numeric(12, 2) NOT NULL,
	"status" varchar(30) NOT NULL,
	"reason" text,
	"requested_by" integer,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "booking_refunds" ADD COLUMN IF NOT EXISTS "booking_id" integer;
--> statement-breakpoint
ALTER TABLE "booking_refunds" ADD COLUMN IF NOT EXISTS "payment_intent_id" varchar(100);
--> statement-breakpoint
ALTER TABLE "booking_refunds" ADD COLUMN IF NOT EXISTS "refund_id" varchar(100);
--> statement-breakpoint
ALTER TABLE "booking_refunds" ADD COLUMN IF NOT EXISTS "amount" numeric(12, 2);
--> statement-breakpoint
ALTER TABLE "booking_refunds" ADD COLUMN IF NOT EXISTS "status" varchar(30);
--> statement-breakpoint
ALTER TABLE "booking_refunds" ADD COLUMN IF NOT EXISTS "reason" text;
--> statement-breakpoint
ALTER TABLE "booking_refunds" ADD COLUMN IF NOT EXISTS "requested_by" integer;
--> statement-breakpoint
ALTER TABLE "booking_refunds" ADD COLUMN IF NOT EXISTS "created_at" timestamp with time zone DEFAULT now() NOT NULL;
--> statement-breakpoint
ALTER TABLE "hangar_bookings" ADD COLUMN IF NOT EXISTS "booking_type" varchar(20);
--> statement-breakpoint
ALTER TABLE "hangar_bookings" ADD COLUMN IF NOT EXISTS "refund_policy_applied" varchar(50);
--> statement-breakpoint
ALTER TABLE "hangar_bookings" ADD COLUMN IF NOT EXISTS "promo_code" varchar(50);
--> statement-breakpoint
ALTER TABLE "hangar_bookings" ADD COLUMN IF NOT EXISTS "discount_amount" numeric(10, 2);
--> statement-breakpoint
ALTER TABLE "hangar_listings" ADD COLUMN IF NOT EXISTS "hangar_location_description" text;
--> statement-breakpoint
ALTER TABLE "hangar_listings" ADD COLUMN IF NOT EXISTS "max_wingspan_meters" numeric(6, 2);
--> statement-breakpoint
ALTER TABLE "hangar_listings" ADD COLUMN IF NOT EXISTS "max_length_meters" numeric(6, 2);
--> statement-breakpoint
ALTER TABLE "hangar_listings" ADD COLUMN IF NOT EXISTS "max_height_meters" numeric(6, 2);
--> statement-breakpoint
ALTER TABLE "hangar_listings" ADD COLUMN IF NOT EXISTS "accepted_aircraft_categories" jsonb DEFAULT '[]'::jsonb;
--> statement-breakpoint
ALTER TABLE "hangar_listings" ADD COLUMN IF NOT EXISTS "special_notes" text;
--> statement-breakpoint
ALTER TABLE "hangar_listings" ADD COLUMN IF NOT EXISTS "operating_hours" jsonb;
--> statement-breakpoint
ALTER TABLE "hangar_listings" ADD COLUMN IF NOT EXISTS "services" jsonb DEFAULT '[]'::jsonb;
--> statement-breakpoint
ALTER TABLE "hangar_listings" ADD COLUMN IF NOT EXISTS "accepts_online_payment" boolean DEFAULT false;
--> statement-breakpoint
ALTER TABLE "hangar_listings" ADD COLUMN IF NOT EXISTS "accepts_payment_on_arrival" boolean DEFAULT true;
--> statement-breakpoint
ALTER TABLE "hangar_listings" ADD COLUMN IF NOT EXISTS "accepts_payment_on_departure" boolean DEFAULT false;
--> statement-breakpoint
ALTER TABLE "hangar_listings" ADD COLUMN IF NOT EXISTS "cancellation_policy" varchar(50) DEFAULT 'flexible';
--> statement-breakpoint
ALTER TABLE "hangar_listings" ADD COLUMN IF NOT EXISTS "approval_status" varchar(50);
--> statement-breakpoint
ALTER TABLE "hangar_listings" ADD COLUMN IF NOT EXISTS "verification_status" varchar(20) DEFAULT 'pending';
--> statement-breakpoint
CREATE INDEX IF NOT EXISTS "idx_booking_refunds_booking" ON "booking_refunds" USING btree ("booking_id");
