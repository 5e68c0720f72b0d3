-- idempotent: rewritten by scripts/idempotent-migrations.mjs
CREATE TABLE IF NOT EXISTS "realtime_stream_commands" (
	"id" varchar(36) PRIMARY KEY NOT NULL,
	"instance_id" varchar(64) NOT NULL,
	"connection_id" varchar(128) NOT NULL,
	"op" varchar(20) NOT NULL,
	"owner_id" integer NOT NULL,
	"user_id" integer NOT NULL,
	"admin" boolean DEFAULT false NOT NULL,
	"exp" bigint,
	"server_time" bigint,
	"outcome" varchar(30),
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "realtime_stream_commands" ADD COLUMN IF NOT EXISTS "instance_id" varchar(64);
--> statement-breakpoint
ALTER TABLE "realtime_stream_commands" ADD COLUMN IF NOT EXISTS "connection_id" varchar(128);
--> statement-breakpoint
ALTER TABLE "realtime_stream_commands" ADD COLUMN IF NOT EXISTS "op" varchar(20);
--> statement-breakpoint
ALTER TABLE "realtime_stream_commands" ADD COLUMN IF NOT EXISTS "owner_id" integer;
--> statement-breakpoint
ALTER TABLE "realtime_stream_commands" ADD COLUMN IF NOT EXISTS "user_id" integer;
--> statement-breakpoint
ALTER TABLE "realtime_stream_commands" ADD COLUMN IF NOT EXISTS "admin" boolean DEFAULT false NOT NULL;
--> statement-breakpoint
ALTER TABLE "realtime_stream_commands" ADD COLUMN IF NOT EXISTS "exp" bigint;
--> statement-breakpoint
ALTER TABLE "realtime_stream_commands" ADD COLUMN IF NOT EXISTS "server_time" bigint;
--> statement-breakpoint
ALTER TABLE "realtime_stream_commands" ADD COLUMN IF NOT EXISTS "outcome" varchar(30);
--> statement-breakpoint
ALTER TABLE "realtime_stream_commands" ADD COLUMN IF NOT EXISTS "created_at" timestamp with time zone DEFAULT now() NOT NULL;
--> statement-breakpoint
CREATE INDEX IF NOT EXISTS "idx_realtime_stream_commands_pending" ON "realtime_stream_commands" USING btree ("instance_id") WHERE "realtime_stream_commands"."outcome" is null;
