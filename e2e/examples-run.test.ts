/**
 * The connectors in examples/ are real connectors: `sync run --source "<command>" --dest postgres`
 * moves their rows into Postgres, and a second run resumes from the acknowledged state.
 */
import { describe, expect, it } from 'vitest';
import { cliEnv, runCli } from './support/cli.ts';
import { databaseUrl, freshSchema, query } from './support/database.ts';

const examples = [
  { source: 'python3 examples/python-source/source.py', config: { count: 12, page_size: 5 }, stream: 'squares', ids: 12 },
  { source: 'sh examples/shell-source/source.sh', config: { count: 6 }, stream: 'countdown', ids: 6 },
];

describe('examples run through sync run', () => {
  for (const example of examples) {
    it(example.source, async () => {
      const schema = freshSchema('ex');
      const env = cliEnv({ DATABASE_URL: databaseUrl() });
      const args = (config: object) => [
        'run', '--source', example.source, '--dest', 'postgres', '--pipeline', schema, '--plain',
        '--source-config', JSON.stringify(config), '--dest-config', JSON.stringify({ schema }),
      ];
      const first = await runCli(args(example.config), env);
      expect(first.exitCode, first.stderr).toBe(0);
      const rows = await query<{ n: string }>(`select count(*) as n from "${schema}"."${example.stream}"`);
      expect(Number(rows[0]!.n)).toBe(example.ids);

      // More data at the source: the next run reads only what is new, and the table holds each row once.
      const more = { ...example.config, count: example.ids + 3 };
      const second = await runCli(args(more), env);
      expect(second.exitCode, second.stderr).toBe(0);
      const after = await query<{ n: string; distinct_ids: string }>(
        `select count(*) as n, count(distinct id) as distinct_ids from "${schema}"."${example.stream}"`,
      );
      expect(Number(after[0]!.n)).toBe(example.ids + 3);
      expect(Number(after[0]!.distinct_ids)).toBe(example.ids + 3);
    });
  }
});
