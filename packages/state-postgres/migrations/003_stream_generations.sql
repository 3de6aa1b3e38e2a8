-- Up Migration
-- The generation of each stream of a pipeline (Airbyte ConfiguredAirbyteStream.generation_id): 0 on
-- the first run, one more at each full refresh or state reset. The engine hands it to the destination
-- in the configured catalog, so the destination can tell a batch replayed after a crash (same
-- generation: apply once) from the same data read again on purpose (a new generation: apply again).
CREATE TABLE stream_generations (
  pipeline_id   text NOT NULL REFERENCES pipelines (id),
  stream        text NOT NULL,
  generation_id bigint NOT NULL DEFAULT 0,
  updated_at    timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (pipeline_id, stream)
);
