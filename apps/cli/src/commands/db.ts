import { defineCommand } from 'citty';
import { openDatabase } from '../database.ts';

/** Rows as an aligned text table; long cells are cut at `maxWidth` characters. */
export function formatRows(fields: readonly string[], rows: readonly Record<string, unknown>[], maxWidth = 60): string {
  const cell = (value: unknown) => {
    const text =
      value === null || value === undefined
        ? ''
        : value instanceof Date
          ? value.toISOString()
          : typeof value === 'object'
            ? JSON.stringify(value)
            : String(value);
    return text.length > maxWidth ? `${text.slice(0, maxWidth - 1)}…` : text;
  };
  const cells = rows.map((row) => fields.map((f) => cell(row[f])));
  const widths = fields.map((f, i) => Math.max(f.length, ...cells.map((r) => r[i]!.length)));
  const line = (r: readonly string[]) => r.map((c, i) => c.padEnd(widths[i]!)).join(' | ').trimEnd();
  return [line(fields), widths.map((w) => '-'.repeat(w)).join('-+-'), ...cells.map(line), `(${rows.length} row${rows.length === 1 ? '' : 's'})`].join('\n');
}

export const dbCommand = defineCommand({
  meta: { name: 'db', description: 'Look at the database the CLI uses (DATABASE_URL, or the embedded one)' },
  subCommands: {
    query: defineCommand({
      meta: { name: 'query', description: 'Run one SQL statement and print the rows, e.g. sync db query "select count(*) from stripe.customers"' },
      args: { sql: { type: 'positional', description: 'The SQL statement', required: true } },
      async run({ args }) {
        const database = openDatabase(process.env, (line) => process.stderr.write(`${line}\n`));
        const { default: pg } = await import('pg');
        const client = new pg.Client({ connectionString: await database.url() });
        try {
          await client.connect();
          const result = await client.query(args.sql);
          const fields = result.fields.map((f) => f.name);
          process.stdout.write(fields.length > 0 ? `${formatRows(fields, result.rows)}\n` : `${result.command} ${result.rowCount ?? ''}\n`);
        } finally {
          await client.end().catch(() => {});
          await database.close();
        }
      },
    }),
  },
});
