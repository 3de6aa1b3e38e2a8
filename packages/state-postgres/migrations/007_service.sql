-- Up Migration
-- What `sync serve` (the HTTP API, issue 14) keeps besides the engine's tables: pipelines stored with
-- their connectors' configs, runs queued by the API (and cancelled), each run's events, the audit log
-- of changes made through the API, and the Stripe webhook deliveries waiting to be applied
-- (src/service-store.ts and the files it names).

-- A stored pipeline's configs, each sealed whole (secret-box.ts, bound to the pipeline and role): no
-- value of a config is kept in plaintext. NULL for pipelines `sync run` created, which keep no config.
-- `streams` is the pipeline's stream selection (snake_case, as on the wire); NULL: every stream.
ALTER TABLE pipelines ADD COLUMN source_config_sealed text;
ALTER TABLE pipelines ADD COLUMN destination_config_sealed text;
ALTER TABLE pipelines ADD COLUMN streams jsonb;
-- The connectors as the API names them (`stripe`, `postgres`); `source`/`destination` keep what the
-- engine records at each run (the command's name, `source-stripe`).
ALTER TABLE pipelines ADD COLUMN source_connector text;
ALTER TABLE pipelines ADD COLUMN destination_connector text;

-- A run the API starts is `queued` until a worker takes it over (`startRun` with its id); `cancelled`
-- is a queued run cancelled, or a running one that stopped after a cancel (cancel_requested_at).
ALTER TABLE runs DROP CONSTRAINT runs_status_check;
ALTER TABLE runs ADD CONSTRAINT runs_status_check CHECK (status IN ('queued', 'running', 'succeeded', 'failed', 'cancelled'));
-- `sync`: a sync of the pipeline (`sync run`, or the API); `webhook`: Stripe webhook deliveries applied.
ALTER TABLE runs ADD COLUMN kind text NOT NULL DEFAULT 'sync' CHECK (kind IN ('sync', 'webhook'));
-- When the run was asked for: its enqueue time, or its start for a run that never queued (existing
-- runs included; a volatile default would give them the time of this migration instead).
ALTER TABLE runs ADD COLUMN created_at timestamptz;
UPDATE runs SET created_at = started_at;
ALTER TABLE runs ALTER COLUMN created_at SET DEFAULT clock_timestamp();
ALTER TABLE runs ALTER COLUMN created_at SET NOT NULL;
-- What the API was asked ({"full_refresh": true, "streams": [...]}).
ALTER TABLE runs ADD COLUMN request jsonb NOT NULL DEFAULT '{}'::jsonb;
ALTER TABLE runs ADD COLUMN cancel_requested_at timestamptz;
-- The run lock (run-locks.ts) keeps two runs of a pipeline from running at once, so at most one is
-- `running` unless its process died and a later run has not marked it interrupted yet. Should two be,
-- the older ones died: mark them as a new run would, so the index below can be built.
UPDATE runs r SET status = 'failed',
  error = 'interrupted: the process running it ended before the run finished; the next run resumed from its last checkpoint',
  finished_at = coalesce((SELECT max(c.committed_at) FROM checkpoints c WHERE c.run_id = r.id), r.started_at)
WHERE r.status = 'running'
  AND EXISTS (SELECT 1 FROM runs newer WHERE newer.pipeline_id = r.pipeline_id AND newer.status = 'running' AND newer.started_at > r.started_at);
-- At most one sync of a pipeline queued or running: what makes "a pipeline with a queued or running
-- run answers 409" race-free, and keeps `sync run` from starting while the API has one queued.
CREATE UNIQUE INDEX runs_one_active_sync_idx ON runs (pipeline_id) WHERE kind = 'sync' AND status IN ('queued', 'running');
CREATE INDEX runs_pipeline_created_idx ON runs (pipeline_id, created_at DESC);
CREATE INDEX runs_created_idx ON runs (created_at DESC);

-- The events of a run (the engine's SyncEvents, masked), numbered from 1, for `GET /runs/{id}/events`
-- and its `?after=<seq>`.
CREATE TABLE run_events (
  run_id text NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
  seq    integer NOT NULL,
  at     timestamptz NOT NULL DEFAULT clock_timestamp(),
  event  jsonb NOT NULL,
  PRIMARY KEY (run_id, seq)
);

-- Every change made through the API: who (a token's label, never the token), what, when. Kept when
-- the pipeline it names is deleted.
CREATE TABLE audit_log (
  id          bigserial PRIMARY KEY,
  at          timestamptz NOT NULL DEFAULT clock_timestamp(),
  actor       text NOT NULL,
  action      text NOT NULL,
  target_type text NOT NULL,
  target_id   text NOT NULL,
  details     jsonb NOT NULL DEFAULT '{}'::jsonb
);
CREATE INDEX audit_log_at_idx ON audit_log (at DESC);

-- Stripe events received on a pipeline's webhook route, verified, applied in order (by id) by a run
-- of kind `webhook`; one row per event id, so a redelivery is recognised.
CREATE TABLE webhook_deliveries (
  id          bigserial PRIMARY KEY,
  pipeline_id text NOT NULL REFERENCES pipelines (id),
  event_id    text NOT NULL,
  event_type  text NOT NULL,
  event       jsonb NOT NULL,
  received_at timestamptz NOT NULL DEFAULT clock_timestamp(),
  applied_at  timestamptz,
  run_id      text REFERENCES runs (id),
  UNIQUE (pipeline_id, event_id)
);
CREATE INDEX webhook_deliveries_pending_idx ON webhook_deliveries (pipeline_id, id) WHERE applied_at IS NULL;
