-- Machine rows are rewritten all day (heartbeats, statuses, applied revisions, desired revisions) without
-- touching an indexed column. Free room in each page lets Postgres keep those new row versions on the same page
-- (heap-only tuples), so the five indexes of the table, the GIN one included, are not updated on every heartbeat.
ALTER TABLE "machines" SET (fillfactor = 70);

-- Every rollout rewrites each assignment's effective limit: the same reasoning, on a smaller scale.
ALTER TABLE "assignments" SET (fillfactor = 80);
