-- Indexes for the hot reads, chosen with EXPLAIN ANALYZE on a seeded 10,000-runner database
-- (`npx pnpm --filter @paddock/bench explain-hot-queries`, bench/RESULTS.md): each one turns a read of the whole
-- table on the wall, queue or trend path into an index scan.

-- CreateIndex
CREATE INDEX "fleet_samples_at_idx" ON "fleet_samples"("at");

-- CreateIndex
CREATE INDEX "job_snapshots_started_at_idx" ON "job_snapshots"("started_at");

-- CreateIndex
CREATE INDEX "job_snapshots_updated_at_idx" ON "job_snapshots"("updated_at");
