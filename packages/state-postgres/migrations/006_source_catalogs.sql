-- Up Migration
-- The catalog a pipeline's source last discovered, so a run can skip `discover` (a whole process) when
-- nothing it depends on changed: the source connector (name and version, as in connector_specs) and
-- its effective config, kept as a sha256 of its canonical JSON with its secrets masked only: the
-- config holds secrets and is never stored here, nor a hash of a secret. The engine decides when the row is fresh enough (its age, an asked-for refresh)
-- and forgets it after a run that failed on the catalog or the source's config (src/source-catalogs.ts).
CREATE TABLE source_catalogs (
  pipeline_id   text PRIMARY KEY REFERENCES pipelines (id),
  connector     text NOT NULL,
  version       text NOT NULL,
  config_hash   text NOT NULL,
  catalog       jsonb NOT NULL,
  discovered_at timestamptz NOT NULL
);
