-- The benchmark's floor (npm run bench): a bare workflow calls one activity per row here, each a
-- single INSERT, so the floor's per-activity cost holds one statement and nothing else. Keyed on
-- (workflow, step) like every other activity's write, so a retried attempt inserts nothing twice.
-- Nothing reads it; the bench drops its whole throw-away database after a run.
CREATE TABLE bench_floor_rows (
  workflow_id text        NOT NULL,
  step        integer     NOT NULL CHECK (step >= 0),
  inserted_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (workflow_id, step)
);
