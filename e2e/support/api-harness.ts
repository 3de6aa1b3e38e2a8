/**
 * What an HTTP API test file starts: a database of its own with a password-protected owner role,
 * the Stripe emulator with a random API key, `sync serve` on that database, and a client that keeps
 * every answer. Every secret involved is random, so the secret search (api-secrets.ts) cannot match
 * anything by chance.
 */
import { randomBytes } from 'node:crypto';
import { startStripeEmulator, type StripeEmulator, type StripeEmulatorOptions } from '@sync/stripe-emulator';
import { ApiClient } from './api-client.ts';
import { createTestDatabase, startApiServer, type ApiServer, type TestDatabase } from './api-server.ts';

/** The streams the API tests sync: two, so a run is quick and a cancel can land between them. */
export const API_STREAMS = ['customers', 'products'] as const;

/** A started set: database, emulator, server, client. */
export interface ApiHarness {
  db: TestDatabase;
  emulator: StripeEmulator;
  server: ApiServer;
  client: ApiClient;
  /** The Stripe API key the emulator accepts (a secret). */
  apiKey: string;
  /** The webhook signing secret of the pipelines `pipelineBody` makes (a secret). */
  webhookSecret: string;
  /**
   * The `POST /pipelines` body of a Stripe → Postgres pipeline writing into `schema` of the test
   * database (through the owner role's URL, password included), syncing API_STREAMS.
   */
  pipelineBody(id: string, schema: string, source?: Record<string, unknown>): Record<string, unknown>;
  /**
   * Every secret value: API key, webhook secret, the role's password, the bearer token, and the
   * password of the server's own DATABASE_URL when it is a random one (the embedded Postgres's is 48
   * hex digits; a fixed one such as `postgres` would match ordinary text).
   */
  secrets(): string[];
  /** Stops the server and the emulator, drops the database. */
  close(): Promise<void>;
}

/**
 * Starts everything for one test file.
 *
 * @param emulatorOptions objects, counts and seed of the emulator (its API key is made here).
 */
export async function startApiHarness(emulatorOptions: StripeEmulatorOptions): Promise<ApiHarness> {
  const apiKey = `sk_test_${randomBytes(12).toString('hex')}`;
  const webhookSecret = `whsec_${randomBytes(16).toString('hex')}`;
  const db = await createTestDatabase();
  const ownPassword = decodeURIComponent(new URL(db.adminUrl).password);
  const adminPassword = /^[0-9a-f]{16,}$/.test(ownPassword) ? ownPassword : undefined;
  const emulator = await startStripeEmulator({ ...emulatorOptions, apiKey });
  let server: ApiServer;
  try {
    server = await startApiServer({ databaseUrl: db.adminUrl });
  } catch (error) {
    await emulator.close();
    await db.drop();
    throw error;
  }
  return {
    db,
    emulator,
    server,
    client: new ApiClient(server.url, server.token),
    apiKey,
    webhookSecret,
    pipelineBody: (id, schema, source = {}) => ({
      id,
      source: { name: 'stripe', config: { api_key: apiKey, base_url: emulator.url, webhook_secret: webhookSecret, ...source } },
      destination: { name: 'postgres', config: { url: db.ownerUrl, schema } },
      streams: API_STREAMS.map((name) => ({ name })),
    }),
    secrets: () => [apiKey, webhookSecret, db.password, server.token, ...(adminPassword ? [adminPassword] : [])],
    async close() {
      await server.stop();
      await emulator.close();
      await db.drop();
    },
  };
}
