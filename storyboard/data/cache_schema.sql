CREATE TABLE "_sqlite_migrations" (
   "id" INTEGER PRIMARY KEY,
   "migration_set" TEXT,
   "name" TEXT,
   "applied_at" TEXT
);
CREATE UNIQUE INDEX "idx__sqlite_migrations_migration_set_name"
    ON "_sqlite_migrations" ("migration_set", "name");
CREATE TABLE "jobs" (
   "id" INTEGER PRIMARY KEY,
   "key" TEXT,
   "scene_id" TEXT,
   "provider" TEXT,
   "status" TEXT,
   "request_id" TEXT,
   "attempt" INTEGER,
   "created_at" TEXT,
   "submitted_at" TEXT,
   "finished_at" TEXT,
   "cost_usd" REAL,
   "clip" TEXT,
   "error_code" TEXT,
   "error_message" TEXT
, "idempotency_key" TEXT, "api_base" TEXT, "key_fingerprint" TEXT, "cost_estimated" INTEGER);
CREATE TABLE "takes" (
   "key" TEXT,
   "take" INTEGER,
   "clip" TEXT,
   "created_at" TEXT,
   "cost_usd" REAL,
   "provider" TEXT,
   "scene_id" TEXT,
   "job_id" INTEGER,
   PRIMARY KEY ("key", "take")
);
CREATE TABLE "inputs" (
   "key" TEXT PRIMARY KEY,
   "inputs" TEXT
);
CREATE TABLE "frames" (
   "clip" TEXT PRIMARY KEY,
   "frame" TEXT
);
CREATE TABLE "selections" (
   "key" TEXT PRIMARY KEY,
   "take" INTEGER,
   "selected_at" TEXT
);
CREATE TABLE "uploads" (
   "sha256" TEXT,
   "base_url" TEXT,
   "file_id" TEXT,
   "expires_at" REAL,
   PRIMARY KEY ("sha256", "base_url")
);
CREATE INDEX jobs_by_key ON jobs (key, provider);
CREATE TABLE "cache_info" (
   "name" TEXT PRIMARY KEY,
   "value" TEXT
);
CREATE TABLE "scores" (
   "clip" TEXT,
   "scorer" INTEGER,
   "score" TEXT,
   "scored_at" TEXT,
   PRIMARY KEY ("clip", "scorer")
);
CREATE TABLE "anchors" (
   "provider" TEXT,
   "character" TEXT,
   "clip" TEXT,
   "scene_id" TEXT,
   "approved_at" TEXT,
   PRIMARY KEY ("provider", "character")
);
CREATE TABLE "labels" (
   "clip" TEXT PRIMARY KEY,
   "scene_id" TEXT,
   "label" TEXT,
   "labelled_at" TEXT
);
CREATE TABLE "calibration" (
   "name" TEXT PRIMARY KEY,
   "value" REAL,
   "fitted_at" TEXT
);
