/**
 * @sync/embedded-postgres: a real PostgreSQL server under `SYNC_HOME/postgres`, for the state store
 * (and the Postgres destination) when no `DATABASE_URL` is given.
 */
export { PASSWORD_FILE, startEmbeddedPostgres, type EmbeddedDatabase } from './embedded-postgres.ts';
