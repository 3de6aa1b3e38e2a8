-- Up Migration
-- Running pipelines at scale (issue 16): a schedule per pipeline, retries of failed runs, a time limit
-- per run, and runs taken over by another worker when theirs died or stopped.

-- {"cron": "*/15 * * * *", "timezone": "Europe/Paris", "jitter_seconds": 30}; NULL: no schedule.
ALTER TABLE pipelines ADD COLUMN schedule jsonb;
-- When the pipeline's next scheduled run is due (jitter included); NULL without a schedule.
ALTER TABLE pipelines ADD COLUMN next_run_at timestamptz;
-- Attempts of a run that fails with a transient or system error (1: no retry).
ALTER TABLE pipelines ADD COLUMN max_attempts integer NOT NULL DEFAULT 3 CHECK (max_attempts BETWEEN 1 AND 20);
-- A run past this many seconds stops at its last checkpoint and a new run continues; NULL: no limit.
ALTER TABLE pipelines ADD COLUMN max_duration_seconds integer CHECK (max_duration_seconds > 0);

-- 1 for a run asked for; n + 1 for the retry of attempt n.
ALTER TABLE runs ADD COLUMN attempt integer NOT NULL DEFAULT 1;
-- What queued it: a request (API or CLI), the schedule, a retry, the continuation of a run that hit
-- its time limit, or webhook deliveries.
ALTER TABLE runs ADD COLUMN trigger text NOT NULL DEFAULT 'manual'
  CHECK (trigger IN ('manual', 'schedule', 'retry', 'continuation', 'webhook'));
-- The run this one retries or continues.
ALTER TABLE runs ADD COLUMN previous_run_id text;
-- Times the run went back to the queue because its worker died or stopped (SIGTERM) mid-run.
ALTER TABLE runs ADD COLUMN takeovers integer NOT NULL DEFAULT 0;
