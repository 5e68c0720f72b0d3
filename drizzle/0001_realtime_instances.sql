-- idempotent: rewritten by scripts/idempotent-migrations.mjs
CREATE TABLE IF NOT EXISTS "realtime_instances" (
	"instance_id" varchar(64) PRIMARY KEY NOT NULL,
	"started_at" timestamp with time zone DEFAULT now() NOT NULL,
	"heartbeat_at" timestamp with time zone DEFAULT now() NOT NULL,
	"stats" jsonb NOT NULL
);
--> statement-breakpoint
ALTER TABLE "realtime_instances" ADD COLUMN IF NOT EXISTS "started_at" timestamp with time zone DEFAULT now() NOT NULL;
--> statement-breakpoint
ALTER TABLE "realtime_instances" ADD COLUMN IF NOT EXISTS "heartbeat_at" timestamp with time zone DEFAULT now() NOT NULL;
--> statement-breakpoint
ALTER TABLE "realtime_instances" ADD COLUMN IF NOT EXISTS "stats" jsonb;
