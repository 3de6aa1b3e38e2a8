export { startEmbeddedPostgres, type EmbeddedDatabase } from './embedded-postgres.ts';
