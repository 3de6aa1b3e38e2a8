-- Up Migration
-- The state store's tables. node-pg-migrate runs this with search_path set to the store's schema
-- (default `sync`), so names are unqualified. No Down Migration: rolling back would drop the
-- acknowledged states of every pipeline, which no command should do.

CREATE TABLE pipelines (
  id          text PRIMARY KEY,
  source      text NOT NULL,
  destination text NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now(),
  updated_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE runs (
  id          text PRIMARY KEY,
  pipeline_id text NOT NULL REFERENCES pipelines (id),
  status      text NOT NULL DEFAULT 'running' CHECK (status IN ('running', 'succeeded', 'failed')),
  started_at  timestamptz NOT NULL DEFAULT clock_timestamp(),
  finished_at timestamptz,
  error       text,
  -- stream name -> {"records_read": n, "records_committed": n, "status": "..."}
  streams     jsonb NOT NULL DEFAULT '{}'::jsonb
);
CREATE INDEX runs_pipeline_started_idx ON runs (pipeline_id, started_at DESC);
CREATE INDEX runs_started_idx ON runs (started_at DESC);

-- The last acknowledged STATE per pipeline and stream. A GLOBAL or LEGACY state is one row with
-- stream = '' (and namespace = '').
CREATE TABLE stream_states (
  pipeline_id text NOT NULL REFERENCES pipelines (id),
  stream      text NOT NULL,
  namespace   text NOT NULL DEFAULT '',
  state       jsonb NOT NULL,
  run_id      text REFERENCES runs (id),
  updated_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (pipeline_id, stream, namespace)
);

-- One row per acknowledged STATE, for run history and reconciliation of counts.
CREATE TABLE checkpoints (
  id                       bigserial PRIMARY KEY,
  run_id                   text NOT NULL REFERENCES runs (id),
  stream                   text NOT NULL,
  namespace                text NOT NULL DEFAULT '',
  source_record_count      bigint,
  destination_record_count bigint,
  committed_at             timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX checkpoints_run_idx ON checkpoints (run_id, id);
