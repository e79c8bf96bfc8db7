-- CreateEnum
CREATE TYPE "ScopeKind" AS ENUM ('project', 'group');

-- CreateEnum
CREATE TYPE "RunnerType" AS ENUM ('instance_type', 'group_type', 'project_type');

-- CreateEnum
CREATE TYPE "AccessLevel" AS ENUM ('not_protected', 'ref_protected');

-- CreateEnum
CREATE TYPE "RunnerSource" AS ENUM ('managed', 'imported');

-- CreateEnum
CREATE TYPE "LimitMode" AS ENUM ('per_machine', 'fleet_budget');

-- CreateEnum
CREATE TYPE "ConnectionState" AS ENUM ('never_connected', 'online', 'offline');

-- CreateEnum
CREATE TYPE "RevisionStatus" AS ENUM ('pending', 'applied', 'failed', 'superseded');

-- CreateEnum
CREATE TYPE "SampleKind" AS ENUM ('machine', 'tag_set');

-- CreateEnum
CREATE TYPE "Role" AS ENUM ('admin', 'operator', 'viewer');

-- CreateEnum
CREATE TYPE "TokenScope" AS ENUM ('read', 'write');

-- CreateEnum
CREATE TYPE "ActorType" AS ENUM ('user', 'api_token', 'agent', 'system');

-- CreateTable
CREATE TABLE "gitlab_instances" (
    "id" UUID NOT NULL,
    "name" VARCHAR(100) NOT NULL,
    "url" VARCHAR(2048) NOT NULL,
    "access_token_ciphertext" TEXT NOT NULL,
    "access_token_last4" VARCHAR(4) NOT NULL,
    "version" VARCHAR(100),
    "last_sync_at" TIMESTAMPTZ(3),
    "last_sync_error" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "gitlab_instances_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "watched_scopes" (
    "id" UUID NOT NULL,
    "gitlab_instance_id" UUID NOT NULL,
    "kind" "ScopeKind" NOT NULL,
    "gitlab_id" INTEGER NOT NULL,
    "full_path" VARCHAR(2048),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "watched_scopes_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "runners" (
    "id" UUID NOT NULL,
    "gitlab_instance_id" UUID NOT NULL,
    "gitlab_runner_id" INTEGER NOT NULL,
    "runner_type" "RunnerType" NOT NULL,
    "group_id" INTEGER,
    "project_id" INTEGER,
    "description" VARCHAR(1024) NOT NULL DEFAULT '',
    "tags" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "run_untagged" BOOLEAN NOT NULL DEFAULT false,
    "locked" BOOLEAN NOT NULL DEFAULT false,
    "paused" BOOLEAN NOT NULL DEFAULT false,
    "access_level" "AccessLevel" NOT NULL DEFAULT 'not_protected',
    "maximum_timeout" INTEGER,
    "maintenance_note" VARCHAR(1024),
    "executor" VARCHAR(64) NOT NULL DEFAULT 'shell',
    "executor_settings" JSONB NOT NULL DEFAULT '{}',
    "source" "RunnerSource" NOT NULL DEFAULT 'managed',
    "gitlab_status" VARCHAR(32),
    "contacted_at" TIMESTAMPTZ(3),
    "synced_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "runners_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "runner_tokens" (
    "id" UUID NOT NULL,
    "runner_id" UUID NOT NULL,
    "ciphertext" TEXT NOT NULL,
    "last4" VARCHAR(4) NOT NULL,
    "obtained_at" TIMESTAMPTZ(3) NOT NULL,
    "expires_at" TIMESTAMPTZ(3),
    "rotated_at" TIMESTAMPTZ(3),
    "limit_mode" "LimitMode" NOT NULL DEFAULT 'per_machine',
    "limit_value" INTEGER NOT NULL DEFAULT 0,
    "request_concurrency" INTEGER,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "runner_tokens_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "runner_managers" (
    "id" UUID NOT NULL,
    "runner_id" UUID NOT NULL,
    "gitlab_manager_id" INTEGER,
    "system_id" VARCHAR(64) NOT NULL,
    "machine_id" UUID,
    "version" VARCHAR(100),
    "revision" VARCHAR(100),
    "platform" VARCHAR(100),
    "architecture" VARCHAR(100),
    "ip_address" VARCHAR(64),
    "status" VARCHAR(32),
    "contacted_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "runner_managers_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "machines" (
    "id" UUID NOT NULL,
    "system_id" VARCHAR(64),
    "hostname" VARCHAR(255) NOT NULL,
    "labels" JSONB NOT NULL DEFAULT '{}',
    "os" VARCHAR(64),
    "arch" VARCHAR(64),
    "agent_version" VARCHAR(100),
    "runner_version" VARCHAR(100),
    "connection_state" "ConnectionState" NOT NULL DEFAULT 'never_connected',
    "connected_at" TIMESTAMPTZ(3),
    "last_seen_at" TIMESTAMPTZ(3),
    "connected_via" VARCHAR(255),
    "desired_revision" INTEGER NOT NULL DEFAULT 0,
    "applied_revision" INTEGER,
    "applied_sha256" CHAR(64),
    "disk_sha256" CHAR(64),
    "drift_sha256" CHAR(64),
    "drift_keys" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "drift_detected_at" TIMESTAMPTZ(3),
    "apply_error" TEXT,
    "draining_since" TIMESTAMPTZ(3),
    "concurrent" INTEGER,
    "check_interval" INTEGER,
    "global_settings" JSONB NOT NULL DEFAULT '{}',
    "cpu_count" INTEGER,
    "memory_bytes" BIGINT,
    "last_status" JSONB,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "machines_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "assignments" (
    "id" UUID NOT NULL,
    "runner_id" UUID NOT NULL,
    "machine_id" UUID NOT NULL,
    "limit_override" INTEGER,
    "request_concurrency_override" INTEGER,
    "effective_limit" INTEGER,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "assignments_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "rollouts" (
    "id" UUID NOT NULL,
    "reason" VARCHAR(255) NOT NULL,
    "actor_type" "ActorType" NOT NULL,
    "actor_id" VARCHAR(64),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "rollouts_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "config_revisions" (
    "id" UUID NOT NULL,
    "machine_id" UUID NOT NULL,
    "number" INTEGER NOT NULL,
    "rollout_id" UUID,
    "model" JSONB NOT NULL,
    "sha256" CHAR(64) NOT NULL,
    "reason" VARCHAR(255) NOT NULL,
    "actor_type" "ActorType" NOT NULL,
    "actor_id" VARCHAR(64),
    "status" "RevisionStatus" NOT NULL DEFAULT 'pending',
    "rollback_of" INTEGER,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "applied_at" TIMESTAMPTZ(3),
    "error" TEXT,

    CONSTRAINT "config_revisions_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "job_snapshots" (
    "id" UUID NOT NULL,
    "gitlab_instance_id" UUID NOT NULL,
    "gitlab_job_id" BIGINT NOT NULL,
    "project_id" INTEGER NOT NULL,
    "project_path" VARCHAR(2048),
    "pipeline_id" BIGINT,
    "runner_id" UUID,
    "gitlab_runner_id" INTEGER,
    "name" VARCHAR(255) NOT NULL,
    "stage" VARCHAR(255),
    "ref" VARCHAR(1024),
    "ref_protected" BOOLEAN NOT NULL DEFAULT false,
    "status" VARCHAR(32) NOT NULL,
    "tags" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "tag_set_key" VARCHAR(2048) NOT NULL,
    "failure_reason" VARCHAR(255),
    "web_url" VARCHAR(2048),
    "queued_at" TIMESTAMPTZ(3),
    "started_at" TIMESTAMPTZ(3),
    "finished_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "job_snapshots_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "fleet_samples" (
    "id" BIGSERIAL NOT NULL,
    "at" TIMESTAMPTZ(3) NOT NULL,
    "kind" "SampleKind" NOT NULL,
    "machine_id" UUID,
    "tag_set_key" VARCHAR(2048),
    "running" INTEGER NOT NULL DEFAULT 0,
    "limit" INTEGER,
    "pending" INTEGER,
    "oldest_wait_seconds" INTEGER,
    "wait_p50_seconds" INTEGER,
    "wait_p95_seconds" INTEGER,

    CONSTRAINT "fleet_samples_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "users" (
    "id" UUID NOT NULL,
    "email" VARCHAR(320) NOT NULL,
    "name" VARCHAR(200),
    "role" "Role" NOT NULL DEFAULT 'viewer',
    "password_hash" TEXT,
    "disabled_at" TIMESTAMPTZ(3),
    "last_login_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "users_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "sessions" (
    "id" UUID NOT NULL,
    "token_hash" CHAR(64) NOT NULL,
    "user_id" UUID NOT NULL,
    "csrf_hash" CHAR(64) NOT NULL,
    "ip" VARCHAR(64),
    "user_agent" VARCHAR(512),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "last_seen_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "expires_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "sessions_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "api_tokens" (
    "id" UUID NOT NULL,
    "user_id" UUID NOT NULL,
    "name" VARCHAR(100) NOT NULL,
    "token_hash" CHAR(64) NOT NULL,
    "prefix" VARCHAR(16) NOT NULL,
    "scope" "TokenScope" NOT NULL,
    "expires_at" TIMESTAMPTZ(3),
    "last_used_at" TIMESTAMPTZ(3),
    "revoked_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "api_tokens_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "setup_tokens" (
    "id" UUID NOT NULL,
    "token_hash" CHAR(64) NOT NULL,
    "expires_at" TIMESTAMPTZ(3) NOT NULL,
    "used_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "setup_tokens_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "login_throttles" (
    "key" VARCHAR(400) NOT NULL,
    "failures" INTEGER NOT NULL DEFAULT 0,
    "locked_until" TIMESTAMPTZ(3),
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "login_throttles_pkey" PRIMARY KEY ("key")
);

-- CreateTable
CREATE TABLE "enrollment_tokens" (
    "id" UUID NOT NULL,
    "name" VARCHAR(100) NOT NULL,
    "token_hash" CHAR(64) NOT NULL,
    "max_uses" INTEGER,
    "uses" INTEGER NOT NULL DEFAULT 0,
    "labels" JSONB NOT NULL DEFAULT '{}',
    "expires_at" TIMESTAMPTZ(3),
    "revoked_at" TIMESTAMPTZ(3),
    "created_by_id" UUID,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "enrollment_tokens_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "agent_credentials" (
    "id" UUID NOT NULL,
    "machine_id" UUID NOT NULL,
    "token_hash" CHAR(64) NOT NULL,
    "enrollment_token_id" UUID,
    "last_used_at" TIMESTAMPTZ(3),
    "revoked_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "agent_credentials_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "display_tokens" (
    "id" UUID NOT NULL,
    "name" VARCHAR(100) NOT NULL,
    "token_hash" CHAR(64) NOT NULL,
    "prefix" VARCHAR(16) NOT NULL,
    "last_used_at" TIMESTAMPTZ(3),
    "revoked_at" TIMESTAMPTZ(3),
    "created_by_id" UUID,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "display_tokens_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "audit_events" (
    "id" UUID NOT NULL,
    "at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "actor_type" "ActorType" NOT NULL,
    "actor_id" VARCHAR(64),
    "actor_label" VARCHAR(320),
    "source_ip" VARCHAR(64),
    "request_id" VARCHAR(64),
    "action" VARCHAR(100) NOT NULL,
    "target_type" VARCHAR(64) NOT NULL,
    "target_id" VARCHAR(64),
    "before" JSONB,
    "after" JSONB,

    CONSTRAINT "audit_events_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "gitlab_instances_name_key" ON "gitlab_instances"("name");

-- CreateIndex
CREATE UNIQUE INDEX "gitlab_instances_url_key" ON "gitlab_instances"("url");

-- CreateIndex
CREATE UNIQUE INDEX "watched_scopes_gitlab_instance_id_kind_gitlab_id_key" ON "watched_scopes"("gitlab_instance_id", "kind", "gitlab_id");

-- CreateIndex
CREATE INDEX "runners_tags_idx" ON "runners" USING GIN ("tags");

-- CreateIndex
CREATE INDEX "runners_created_at_id_idx" ON "runners"("created_at", "id");

-- CreateIndex
CREATE UNIQUE INDEX "runners_gitlab_instance_id_gitlab_runner_id_key" ON "runners"("gitlab_instance_id", "gitlab_runner_id");

-- CreateIndex
CREATE UNIQUE INDEX "runner_tokens_runner_id_key" ON "runner_tokens"("runner_id");

-- CreateIndex
CREATE INDEX "runner_tokens_expires_at_idx" ON "runner_tokens"("expires_at");

-- CreateIndex
CREATE INDEX "runner_managers_system_id_idx" ON "runner_managers"("system_id");

-- CreateIndex
CREATE INDEX "runner_managers_machine_id_idx" ON "runner_managers"("machine_id");

-- CreateIndex
CREATE UNIQUE INDEX "runner_managers_runner_id_system_id_key" ON "runner_managers"("runner_id", "system_id");

-- CreateIndex
CREATE UNIQUE INDEX "machines_system_id_key" ON "machines"("system_id");

-- CreateIndex
CREATE INDEX "machines_labels_idx" ON "machines" USING GIN ("labels" jsonb_path_ops);

-- CreateIndex
CREATE INDEX "machines_connection_state_idx" ON "machines"("connection_state");

-- CreateIndex
CREATE INDEX "machines_hostname_id_idx" ON "machines"("hostname", "id");

-- CreateIndex
CREATE INDEX "machines_created_at_id_idx" ON "machines"("created_at", "id");

-- CreateIndex
CREATE INDEX "assignments_machine_id_idx" ON "assignments"("machine_id");

-- CreateIndex
CREATE UNIQUE INDEX "assignments_runner_id_machine_id_key" ON "assignments"("runner_id", "machine_id");

-- CreateIndex
CREATE INDEX "rollouts_created_at_idx" ON "rollouts"("created_at");

-- CreateIndex
CREATE INDEX "config_revisions_rollout_id_idx" ON "config_revisions"("rollout_id");

-- CreateIndex
CREATE INDEX "config_revisions_status_idx" ON "config_revisions"("status");

-- CreateIndex
CREATE UNIQUE INDEX "config_revisions_machine_id_number_key" ON "config_revisions"("machine_id", "number");

-- CreateIndex
CREATE INDEX "job_snapshots_status_tag_set_key_idx" ON "job_snapshots"("status", "tag_set_key");

-- CreateIndex
CREATE INDEX "job_snapshots_runner_id_status_idx" ON "job_snapshots"("runner_id", "status");

-- CreateIndex
CREATE INDEX "job_snapshots_finished_at_idx" ON "job_snapshots"("finished_at");

-- CreateIndex
CREATE UNIQUE INDEX "job_snapshots_gitlab_instance_id_gitlab_job_id_key" ON "job_snapshots"("gitlab_instance_id", "gitlab_job_id");

-- CreateIndex
CREATE INDEX "fleet_samples_kind_at_idx" ON "fleet_samples"("kind", "at");

-- CreateIndex
CREATE INDEX "fleet_samples_machine_id_at_idx" ON "fleet_samples"("machine_id", "at");

-- CreateIndex
CREATE INDEX "fleet_samples_tag_set_key_at_idx" ON "fleet_samples"("tag_set_key", "at");

-- CreateIndex
CREATE UNIQUE INDEX "users_email_key" ON "users"("email");

-- CreateIndex
CREATE UNIQUE INDEX "sessions_token_hash_key" ON "sessions"("token_hash");

-- CreateIndex
CREATE INDEX "sessions_user_id_idx" ON "sessions"("user_id");

-- CreateIndex
CREATE INDEX "sessions_expires_at_idx" ON "sessions"("expires_at");

-- CreateIndex
CREATE UNIQUE INDEX "api_tokens_token_hash_key" ON "api_tokens"("token_hash");

-- CreateIndex
CREATE UNIQUE INDEX "api_tokens_user_id_name_key" ON "api_tokens"("user_id", "name");

-- CreateIndex
CREATE UNIQUE INDEX "setup_tokens_token_hash_key" ON "setup_tokens"("token_hash");

-- CreateIndex
CREATE UNIQUE INDEX "enrollment_tokens_token_hash_key" ON "enrollment_tokens"("token_hash");

-- CreateIndex
CREATE UNIQUE INDEX "agent_credentials_token_hash_key" ON "agent_credentials"("token_hash");

-- CreateIndex
CREATE INDEX "agent_credentials_machine_id_idx" ON "agent_credentials"("machine_id");

-- CreateIndex
CREATE UNIQUE INDEX "display_tokens_token_hash_key" ON "display_tokens"("token_hash");

-- CreateIndex
CREATE INDEX "audit_events_at_idx" ON "audit_events"("at");

-- CreateIndex
CREATE INDEX "audit_events_target_type_target_id_idx" ON "audit_events"("target_type", "target_id");

-- CreateIndex
CREATE INDEX "audit_events_actor_type_actor_id_idx" ON "audit_events"("actor_type", "actor_id");

-- CreateIndex
CREATE INDEX "audit_events_action_idx" ON "audit_events"("action");

-- AddForeignKey
ALTER TABLE "watched_scopes" ADD CONSTRAINT "watched_scopes_gitlab_instance_id_fkey" FOREIGN KEY ("gitlab_instance_id") REFERENCES "gitlab_instances"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "runners" ADD CONSTRAINT "runners_gitlab_instance_id_fkey" FOREIGN KEY ("gitlab_instance_id") REFERENCES "gitlab_instances"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "runner_tokens" ADD CONSTRAINT "runner_tokens_runner_id_fkey" FOREIGN KEY ("runner_id") REFERENCES "runners"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "runner_managers" ADD CONSTRAINT "runner_managers_runner_id_fkey" FOREIGN KEY ("runner_id") REFERENCES "runners"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "runner_managers" ADD CONSTRAINT "runner_managers_machine_id_fkey" FOREIGN KEY ("machine_id") REFERENCES "machines"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "assignments" ADD CONSTRAINT "assignments_runner_id_fkey" FOREIGN KEY ("runner_id") REFERENCES "runners"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "assignments" ADD CONSTRAINT "assignments_machine_id_fkey" FOREIGN KEY ("machine_id") REFERENCES "machines"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "config_revisions" ADD CONSTRAINT "config_revisions_machine_id_fkey" FOREIGN KEY ("machine_id") REFERENCES "machines"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "config_revisions" ADD CONSTRAINT "config_revisions_rollout_id_fkey" FOREIGN KEY ("rollout_id") REFERENCES "rollouts"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "job_snapshots" ADD CONSTRAINT "job_snapshots_gitlab_instance_id_fkey" FOREIGN KEY ("gitlab_instance_id") REFERENCES "gitlab_instances"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "job_snapshots" ADD CONSTRAINT "job_snapshots_runner_id_fkey" FOREIGN KEY ("runner_id") REFERENCES "runners"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "fleet_samples" ADD CONSTRAINT "fleet_samples_machine_id_fkey" FOREIGN KEY ("machine_id") REFERENCES "machines"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "sessions" ADD CONSTRAINT "sessions_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "api_tokens" ADD CONSTRAINT "api_tokens_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "enrollment_tokens" ADD CONSTRAINT "enrollment_tokens_created_by_id_fkey" FOREIGN KEY ("created_by_id") REFERENCES "users"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "agent_credentials" ADD CONSTRAINT "agent_credentials_machine_id_fkey" FOREIGN KEY ("machine_id") REFERENCES "machines"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "agent_credentials" ADD CONSTRAINT "agent_credentials_enrollment_token_id_fkey" FOREIGN KEY ("enrollment_token_id") REFERENCES "enrollment_tokens"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "display_tokens" ADD CONSTRAINT "display_tokens_created_by_id_fkey" FOREIGN KEY ("created_by_id") REFERENCES "users"("id") ON DELETE SET NULL ON UPDATE CASCADE;
