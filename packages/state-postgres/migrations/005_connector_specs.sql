-- Up Migration
-- The connectionSpecification a connector's `spec` printed, per connector name and version (a hash of a
-- built-in's bundle, or an executable's path, size and modification time). The engine reads a spec only
-- to know which config values to mask; with it kept here, a run of a versioned connector starts no
-- `spec` process. Not per pipeline: a spec depends on the executable alone. The store keeps the few
-- newest versions of each connector (src/connector-specs.ts).
CREATE TABLE connector_specs (
  connector                text NOT NULL,
  version                  text NOT NULL,
  connection_specification jsonb NOT NULL,
  saved_at                 timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (connector, version)
);
