/**
 * A key rotation's re-encryption step (`sync secrets rotate-key`): every secret the store keeps is
 * sealed again with the current key, in one transaction. The secrets are the config changes
 * connectors saved (sealed-config-updates.ts) and the configs of pipelines stored through the API
 * (pipeline-configs.ts).
 */
import type pg from 'pg';
import { inTransaction } from './connection.ts';
import { resealPipelineConfigs } from './pipeline-configs.ts';
import type { SecretKeyring } from './secret-box.ts';
import { resealConfigUpdates } from './sealed-config-updates.ts';

/** What `resealSecrets` did, counting sealed values: a config change, or one connector's config of a pipeline. */
export interface ResealResult {
  /** Values now sealed with the current key that were sealed with another key. */
  resealed: number;
  /** Plaintext config changes of an older version, now sealed (pipeline configs were never plaintext). */
  encrypted: number;
  /** Values already sealed with the current key. */
  unchanged: number;
}

/**
 * Seals every stored secret with the current key of `keyring`, in one transaction: plaintext rows and
 * values sealed with an older key of the ring. Nothing changes when one value cannot be opened.
 *
 * @throws SecretKeyError naming the pipeline of a value sealed with a key the ring does not hold.
 */
export async function resealSecrets(pool: pg.Pool, schema: string, where: string, keyring: SecretKeyring): Promise<ResealResult> {
  const result: ResealResult = { resealed: 0, encrypted: 0, unchanged: 0 };
  await inTransaction(pool, where, async (client) => {
    await resealConfigUpdates(client, schema, keyring, result);
    await resealPipelineConfigs(client, schema, keyring, result);
  });
  return result;
}
