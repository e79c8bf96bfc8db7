-- AlterTable
ALTER TABLE "job_snapshots" ADD COLUMN     "runner_system_id" VARCHAR(64);

-- CreateIndex
CREATE INDEX "job_snapshots_runner_system_id_status_idx" ON "job_snapshots"("runner_system_id", "status");
