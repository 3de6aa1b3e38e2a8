import { setTimeout as delay } from 'node:timers/promises';
import pg from 'pg';
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import { takeRateToken, type RateTake } from './rate-buckets.ts';
import { StateStore } from './state-store.ts';
import { dropSchema, randomSchema } from './test-schema.ts';

const url = inject('databaseUrl');
const schema = randomSchema('test_rate_buckets');
let store: StateStore;
// One pool per "process": the bucket is all they share.
const pools: pg.Pool[] = [];

beforeAll(async () => {
  store = await StateStore.open({ url, schema });
  for (let i = 0; i < 3; i++) pools.push(new pg.Pool({ connectionString: url, max: 4 }));
});
afterAll(async () => {
  await Promise.all(pools.map((p) => p.end()));
  await store?.close();
  await dropSchema(url, schema);
});

it('starts full, grants burst tokens, then refuses with the time until the next one', async () => {
  const limit = { rate: 0.001, burst: 3 };
  const takes: RateTake[] = [];
  for (let i = 0; i < 4; i++) takes.push(await takeRateToken(pools[0]!, schema, 'acct:slow', limit));
  expect(takes.map((t) => t.granted)).toEqual([true, true, true, false]);
  // Less than one token left: a second for each 0.001 of a token missing, about 1000 s.
  expect(takes[3]!.waitMs).toBeGreaterThan(900_000);
  expect(takes.slice(0, 3).every((t) => t.waitMs === 0)).toBe(true);
  // Another account has its own bucket.
  expect((await takeRateToken(pools[1]!, schema, 'acct:other', limit)).granted).toBe(true);
  const { rows } = await pools[0]!.query(`SELECT account, granted::int AS granted, rate, burst FROM ${schema}.rate_buckets ORDER BY account`);
  expect(rows).toEqual([
    { account: 'acct:other', granted: 1, rate: 0.001, burst: 3 },
    { account: 'acct:slow', granted: 3, rate: 0.001, burst: 3 },
  ]);
});

it('many takers in three pools on one bucket never get more than burst + rate × elapsed, by the bucket clock', async () => {
  const limit = { rate: 200, burst: 5 };
  const wanted = 150;
  const granted: number[] = [];
  let refused = 0;
  // Twelve takers (four per pool), each taking until the total is reached; a refused one waits as
  // long as the bucket says, as the rate-limit proxy does.
  const taker = async (pool: pg.Pool) => {
    while (granted.length < wanted) {
      const take = await takeRateToken(pool, schema, 'acct:shared', limit);
      if (take.granted) granted.push(take.at);
      else {
        refused++;
        await delay(take.waitMs);
      }
    }
  };
  await Promise.all(pools.flatMap((pool) => [taker(pool), taker(pool), taker(pool), taker(pool)]));
  expect(refused).toBeGreaterThan(0);
  const times = granted.sort((a, b) => a - b);
  const over: string[] = [];
  for (let i = 0; i < times.length; i++) {
    for (let j = i + 1; j < times.length; j++) {
      const allowed = limit.burst + limit.rate * (times[j]! - times[i]!) + 1e-6;
      if (j - i + 1 > allowed) over.push(`${j - i + 1} tokens in ${(times[j]! - times[i]!).toFixed(6)} s`);
    }
  }
  expect(over).toEqual([]);
  const { rows } = await pools[0]!.query(`SELECT granted::int AS granted FROM ${schema}.rate_buckets WHERE account = 'acct:shared'`);
  expect(rows[0].granted).toBe(times.length);
});

it('refuses a rate or burst that cannot make a bucket', async () => {
  await expect(takeRateToken(pools[0]!, schema, 'acct:x', { rate: 0, burst: 1 })).rejects.toThrow('rate limit of acct:x: rate must be a positive number of requests per second, not 0');
  await expect(takeRateToken(pools[0]!, schema, 'acct:x', { rate: 1, burst: 0.5 })).rejects.toThrow('rate limit of acct:x: burst must be at least 1 request, not 0.5');
});
