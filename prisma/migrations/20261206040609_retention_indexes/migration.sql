-- DropIndex
DROP INDEX "job_snapshots_finished_at_idx";

-- CreateIndex
CREATE INDEX "job_snapshots_finished_at_updated_at_idx" ON "job_snapshots"("finished_at", "updated_at");
