-- Up Migration
-- Reconciliation: how many records the engine passed from the source to the destination for each
-- acknowledged STATE, next to what the source and the destination each said (sourceStats,
-- destinationStats). NULL for checkpoints written before this migration.
ALTER TABLE checkpoints ADD COLUMN records_forwarded bigint;

-- Config values a connector asked to persist with a CONTROL message (Airbyte
-- AirbyteControlConnectorConfigMessage): a refreshed OAuth token, the id of a spreadsheet it created.
-- Only the keys the connector changed are kept; the engine lays them over the given config on the next
-- run of the pipeline.
CREATE TABLE connector_config_updates (
  pipeline_id text NOT NULL REFERENCES pipelines (id),
  role        text NOT NULL CHECK (role IN ('source', 'destination')),
  connector   text NOT NULL,
  changes     jsonb NOT NULL,
  run_id      text REFERENCES runs (id),
  updated_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (pipeline_id, role)
);
