-- idempotent: rewritten by scripts/idempotent-migrations.mjs
CREATE TABLE IF NOT EXISTS "hangar_bookings" (
	"id" serial PRIMARY KEY NOT NULL,
	"hangar_id" integer NOT NULL,
	"user_id" integer NOT NULL,
	"check_in" timestamp NOT NULL,
	"check_out" timestamp NOT NULL,
	"nights" integer NOT NULL,
	"subtotal" numeric(12, 2),
	"fees" numeric(12, 2),
	"total_price" numeric(12, 2),
	"status" varchar(20) DEFAULT 'pending',
	"payment_method" varchar(20),
	"stripe_payment_intent_id" varchar(100),
	"created_at" timestamp DEFAULT now(),
	"updated_at" timestamp DEFAULT now(),
	CONSTRAINT "chk_booking_status" CHECK ("hangar_bookings"."status" in ('pending','confirmed','completed','cancelled','rejected'))
);
--> statement-breakpoint
ALTER TABLE "hangar_bookings" ADD COLUMN IF NOT EXISTS "hangar_id" integer;
--> statement-breakpoint
ALTER TABLE "hangar_bookings" ADD COLUMN IF NOT EXISTS "user_id" integer;
--> statement-breakpoint
ALTER TABLE "hangar_bookings" ADD COLUMN IF NOT EXISTS "check_in" timestamp;
--> statement-breakpoint
ALTER TABLE "hangar_bookings" ADD COLUMN IF NOT EXISTS "check_out" timestamp;
--> statement-breakpoint
ALTER TABLE "hangar_bookings" ADD COLUMN IF NOT EXISTS "nights" integer;
--> statement-breakpoint
ALTER TABLE "hangar_bookings" ADD COLUMN IF NOT EXISTS "subtotal" numeric(12, 2);
--> statement-breakpoint
ALTER TABLE "hangar_bookings" ADD COLUMN IF NOT EXISTS "fees" numeric(12, 2);
--> statement-breakpoint
ALTER TABLE "hangar_bookings" ADD COLUMN IF NOT EXISTS "total_price" numeric(12, 2);
--> statement-breakpoint
ALTER TABLE "hangar_bookings" ADD COLUMN IF NOT EXISTS "status" varchar(20) DEFAULT 'pending';
--> statement-breakpoint
ALTER TABLE "hangar_bookings" ADD COLUMN IF NOT EXISTS "payment_method" varchar(20);
--> statement-breakpoint
ALTER TABLE "hangar_bookings" ADD COLUMN IF NOT EXISTS "stripe_payment_intent_id" varchar(100);
--> statement-breakpoint
ALTER TABLE "hangar_bookings" ADD COLUMN IF NOT EXISTS "created_at" timestamp DEFAULT now();
--> statement-breakpoint
ALTER TABLE "hangar_bookings" ADD COLUMN IF NOT EXISTS "updated_at" timestamp DEFAULT now();
--> statement-breakpoint
CREATE TABLE IF NOT EXISTS "hangar_listings" (
	"id" serial PRIMARY KEY NOT NULL,
	"owner_id" integer NOT NULL,
	"icao_code" varchar(4) NOT NULL,
	"aerodrome_name" varchar(255),
	"city" varchar(100),
	"state" varchar(2),
	"country" varchar(100) DEFAULT 'Brasil',
	"hangar_number" varchar(50),
	"hangar_size_sqm" numeric(10, 2),
	"hourly_rate" numeric(10, 2),
	"daily_rate" numeric(10, 2),
	"weekly_rate" numeric(10, 2),
	"monthly_rate" numeric(10, 2),
	"available_from" date,
	"available_until" date,
	"is_available" boolean DEFAULT true,
	"status" varchar(20) DEFAULT 'active',
	"total_spaces" integer DEFAULT 1,
	"available_spaces" integer DEFAULT 1,
	"description" text,
	"created_at" timestamp DEFAULT now(),
	"updated_at" timestamp DEFAULT now(),
	CONSTRAINT "chk_listing_status" CHECK ("hangar_listings"."status" in ('active','inactive','pending','rejected','suspended'))
);
--> statement-breakpoint
ALTER TABLE "hangar_listings" ADD COLUMN IF NOT EXISTS "owner_id" integer;
--> statement-breakpoint
ALTER TABLE "hangar_listings" ADD COLUMN IF NOT EXISTS "icao_code" varchar(4);
--> statement-breakpoint
ALTER TABLE "hangar_listings" ADD COLUMN IF NOT EXISTS "aerodrome_name" varchar(255);
--> statement-breakpoint
ALTER TABLE "hangar_listings" ADD COLUMN IF NOT EXISTS "city" varchar(100);
--> statement-breakpoint
ALTER TABLE "hangar_listings" ADD COLUMN IF NOT EXISTS "state" varchar(2);
--> statement-breakpoint
ALTER TABLE "hangar_listings" ADD COLUMN IF NOT EXISTS "country" varchar(100) DEFAULT 'Brasil';
--> statement-breakpoint
ALTER TABLE "hangar_listings" ADD COLUMN IF NOT EXISTS "hangar_number" varchar(50);
--> statement-breakpoint
ALTER TABLE "hangar_listings" ADD COLUMN IF NOT EXISTS "hangar_size_sqm" numeric(10, 2);
--> statement-breakpoint
ALTER TABLE "hangar_listings" ADD COLUMN IF NOT EXISTS "hourly_rate" numeric(10, 2);
--> statement-breakpoint
ALTER TABLE "hangar_listings" ADD COLUMN IF NOT EXISTS "daily_rate" numeric(10, 2);
--> statement-breakpoint
ALTER TABLE "hangar_listings" ADD COLUMN IF NOT EXISTS "weekly_rate" numeric(10, 2);
--> statement-breakpoint
ALTER TABLE "hangar_listings" ADD COLUMN IF NOT EXISTS "monthly_rate" numeric(10, 2);
--> statement-breakpoint
ALTER TABLE "hangar_listings" ADD COLUMN IF NOT EXISTS "available_from" date;
--> statement-breakpoint
ALTER TABLE "hangar_listings" ADD COLUMN IF NOT EXISTS "available_until" date;
--> statement-breakpoint
ALTER TABLE "hangar_listings" ADD COLUMN IF NOT EXISTS "is_available" boolean DEFAULT true;
--> statement-breakpoint
ALTER TABLE "hangar_listings" ADD COLUMN IF NOT EXISTS "status" varchar(20) DEFAULT 'active';
--> statement-breakpoint
ALTER TABLE "hangar_listings" ADD COLUMN IF NOT EXISTS "total_spaces" integer DEFAULT 1;
--> statement-breakpoint
ALTER TABLE "hangar_listings" ADD COLUMN IF NOT EXISTS "available_spaces" integer DEFAULT 1;
--> statement-breakpoint
ALTER TABLE "hangar_listings" ADD COLUMN IF NOT EXISTS "description" text;
--> statement-breakpoint
ALTER TABLE "hangar_listings" ADD COLUMN IF NOT EXISTS "created_at" timestamp DEFAULT now();
--> statement-breakpoint
ALTER TABLE "hangar_listings" ADD COLUMN IF NOT EXISTS "updated_at" timestamp DEFAULT now();
--> statement-breakpoint
CREATE TABLE IF NOT EXISTS "hangar_owners" (
	"id" serial PRIMARY KEY NOT NULL,
	"user_id" integer,
	"company_name" varchar(255) NOT NULL,
	"cnpj" varchar(18),
	"phone" varchar(20),
	"is_verified" boolean DEFAULT false,
	"verification_status" varchar(50) DEFAULT 'pending',
	"owner_type" varchar(20) DEFAULT 'company',
	"created_at" timestamp DEFAULT now(),
	"updated_at" timestamp DEFAULT now(),
	CONSTRAINT "hangar_owners_cnpj_unique" UNIQUE("cnpj")
);
--> statement-breakpoint
ALTER TABLE "hangar_owners" ADD COLUMN IF NOT EXISTS "user_id" integer;
--> statement-breakpoint
ALTER TABLE "hangar_owners" ADD COLUMN IF NOT EXISTS "company_name" varchar(255);
--> statement-breakpoint
ALTER TABLE "hangar_owners" ADD COLUMN IF NOT EXISTS "cnpj" varchar(18);
--> statement-breakpoint
ALTER TABLE "hangar_owners" ADD COLUMN IF NOT EXISTS "phone" varchar(20);
--> statement-breakpoint
ALTER TABLE "hangar_owners" ADD COLUMN IF NOT EXISTS "is_verified" boolean DEFAULT false;
--> statement-breakpoint
ALTER TABLE "hangar_owners" ADD COLUMN IF NOT EXISTS "verification_status" varchar(50) DEFAULT 'pending';
--> statement-breakpoint
ALTER TABLE "hangar_owners" ADD COLUMN IF NOT EXISTS "owner_type" varchar(20) DEFAULT 'company';
--> statement-breakpoint
ALTER TABLE "hangar_owners" ADD COLUMN IF NOT EXISTS "created_at" timestamp DEFAULT now();
--> statement-breakpoint
ALTER TABLE "hangar_owners" ADD COLUMN IF NOT EXISTS "updated_at" timestamp DEFAULT now();
--> statement-breakpoint
CREATE TABLE IF NOT EXISTS "owner_sequences" (
	"owner_id" integer PRIMARY KEY NOT NULL,
	"last_seq" bigint DEFAULT 0 NOT NULL
);
--> statement-breakpoint
ALTER TABLE "owner_sequences" ADD COLUMN IF NOT EXISTS "last_seq" bigint DEFAULT 0 NOT NULL;
--> statement-breakpoint
CREATE TABLE IF NOT EXISTS "realtime_events" (
	"owner_id" integer NOT NULL,
	"seq" bigint NOT NULL,
	"type" varchar(40) NOT NULL,
	"payload" jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "realtime_events_owner_id_seq_pk" PRIMARY KEY("owner_id","seq")
);
--> statement-breakpoint
ALTER TABLE "realtime_events" ADD COLUMN IF NOT EXISTS "owner_id" integer;
--> statement-breakpoint
ALTER TABLE "realtime_events" ADD COLUMN IF NOT EXISTS "seq" bigint;
--> statement-breakpoint
ALTER TABLE "realtime_events" ADD COLUMN IF NOT EXISTS "type" varchar(40);
--> statement-breakpoint
ALTER TABLE "realtime_events" ADD COLUMN IF NOT EXISTS "payload" jsonb;
--> statement-breakpoint
ALTER TABLE "realtime_events" ADD COLUMN IF NOT EXISTS "created_at" timestamp with time zone DEFAULT now() NOT NULL;
--> statement-breakpoint
CREATE TABLE IF NOT EXISTS "stripe_events" (
	"event_id" varchar(255) PRIMARY KEY NOT NULL,
	"type" varchar(100) NOT NULL,
	"processed_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "stripe_events" ADD COLUMN IF NOT EXISTS "type" varchar(100);
--> statement-breakpoint
ALTER TABLE "stripe_events" ADD COLUMN IF NOT EXISTS "processed_at" timestamp with time zone DEFAULT now() NOT NULL;
--> statement-breakpoint
CREATE TABLE IF NOT EXISTS "users" (
	"id" serial PRIMARY KEY NOT NULL,
	"first_name" varchar(100) NOT NULL,
	"last_name" varchar(100),
	"email" varchar(255) NOT NULL,
	"password_hash" varchar(255),
	"cpf" varchar(14),
	"plan" varchar(20) DEFAULT 'standard',
	"role" varchar(20) DEFAULT 'user',
	"is_hangar_owner" boolean DEFAULT false,
	"user_type" varchar(20) DEFAULT 'individual',
	"deleted_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now(),
	"updated_at" timestamp with time zone DEFAULT now(),
	CONSTRAINT "users_email_unique" UNIQUE("email")
);
--> statement-breakpoint
ALTER TABLE "users" ADD COLUMN IF NOT EXISTS "first_name" varchar(100);
--> statement-breakpoint
ALTER TABLE "users" ADD COLUMN IF NOT EXISTS "last_name" varchar(100);
--> statement-breakpoint
ALTER TABLE "users" ADD COLUMN IF NOT EXISTS "email" varchar(255);
--> statement-breakpoint
ALTER TABLE "users" ADD COLUMN IF NOT EXISTS "password_hash" varchar(255);
--> statement-breakpoint
ALTER TABLE "users" ADD COLUMN IF NOT EXISTS "cpf" varchar(14);
--> statement-breakpoint
ALTER TABLE "users" ADD COLUMN IF NOT EXISTS "plan" varchar(20) DEFAULT 'standard';
--> statement-breakpoint
ALTER TABLE "users" ADD COLUMN IF NOT EXISTS "role" varchar(20) DEFAULT 'user';
--> statement-breakpoint
ALTER TABLE "users" ADD COLUMN IF NOT EXISTS "is_hangar_owner" boolean DEFAULT false;
--> statement-breakpoint
ALTER TABLE "users" ADD COLUMN IF NOT EXISTS "user_type" varchar(20) DEFAULT 'individual';
--> statement-breakpoint
ALTER TABLE "users" ADD COLUMN IF NOT EXISTS "deleted_at" timestamp with time zone;
--> statement-breakpoint
ALTER TABLE "users" ADD COLUMN IF NOT EXISTS "created_at" timestamp with time zone DEFAULT now();
--> statement-breakpoint
ALTER TABLE "users" ADD COLUMN IF NOT EXISTS "updated_at" timestamp with time zone DEFAULT now();
--> statement-breakpoint
DO $$ BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_constraint c JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = ANY (c.conkey)
                 WHERE c.conrelid = '"public"."hangar_bookings"'::regclass AND c.contype = 'f' AND a.attname = 'hangar_id') THEN
    ALTER TABLE "hangar_bookings" ADD CONSTRAINT "hangar_bookings_hangar_id_hangar_listings_id_fk" FOREIGN KEY ("hangar_id") REFERENCES "public"."hangar_listings"("id") ON DELETE cascade ON UPDATE no action NOT VALID;
  END IF;
END $$;
--> statement-breakpoint
DO $$ BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_constraint c JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = ANY (c.conkey)
                 WHERE c.conrelid = '"public"."hangar_bookings"'::regclass AND c.contype = 'f' AND a.attname = 'user_id') THEN
    ALTER TABLE "hangar_bookings" ADD CONSTRAINT "hangar_bookings_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action NOT VALID;
  END IF;
END $$;
--> statement-breakpoint
DO $$ BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_constraint c JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = ANY (c.conkey)
                 WHERE c.conrelid = '"public"."hangar_owners"'::regclass AND c.contype = 'f' AND a.attname = 'user_id') THEN
    ALTER TABLE "hangar_owners" ADD CONSTRAINT "hangar_owners_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action NOT VALID;
  END IF;
END $$;
--> statement-breakpoint
CREATE INDEX IF NOT EXISTS "idx_hangar_bookings_hangar_created" ON "hangar_bookings" USING btree ("hangar_id","created_at");
--> statement-breakpoint
CREATE INDEX IF NOT EXISTS "idx_hangar_bookings_payment_intent" ON "hangar_bookings" USING btree ("stripe_payment_intent_id");
--> statement-breakpoint
CREATE INDEX IF NOT EXISTS "idx_listings_owner_status" ON "hangar_listings" USING btree ("owner_id","status");
--> statement-breakpoint
CREATE INDEX IF NOT EXISTS "idx_hangar_owners_user_id" ON "hangar_owners" USING btree ("user_id");
--> statement-breakpoint
CREATE INDEX IF NOT EXISTS "idx_realtime_events_created" ON "realtime_events" USING btree ("created_at");
