-- Up Migration
-- Config values connectors hand over with CONTROL messages (refreshed tokens) are secrets: they are
-- now stored encrypted (AES-256-GCM, a versioned envelope naming its key: see src/secret-box.ts) in
-- sealed_changes. The key never reaches the database, so this migration cannot encrypt the rows an
-- older version wrote in plaintext: they stay in `changes` until the store next reads them (the
-- pipeline's next run) or `sync secrets rotate-key` seals them all, and `changes` is then NULL.
ALTER TABLE connector_config_updates ADD COLUMN sealed_changes text;
ALTER TABLE connector_config_updates ALTER COLUMN changes DROP NOT NULL;
ALTER TABLE connector_config_updates ADD CONSTRAINT connector_config_updates_changes_kept
  CHECK (changes IS NOT NULL OR sealed_changes IS NOT NULL);
