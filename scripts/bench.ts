/**
 * `pnpm bench [NAME…] [-- options]`: runs the benchmarks in scripts/bench/ (every one when no NAME is
 * given), each in its own process, one after the other. Each prints its figures with the command that
 * produced them; docs/benchmarks.md keeps the results.
 *
 *   pnpm bench                      all benchmarks, default sizes
 *   pnpm bench main-job-memory      one benchmark
 *   pnpm bench main-job-memory --runs 5
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';

const dir = join(import.meta.dirname, 'bench');
const available = readdirSync(dir)
  .filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts') && f !== 'process-memory.ts' && f !== 'database.ts' && f !== 'sync-process.ts')
  .map((f) => f.slice(0, -3))
  .sort();

const args = process.argv.slice(2);
const names = args.filter((a) => available.includes(a));
const options = args.filter((a) => !available.includes(a));
const unknown = options.filter((a) => !a.startsWith('-') && !/^\d/.test(a) && !options[options.indexOf(a) - 1]?.startsWith('--'));
if (unknown.length > 0) {
  console.error(`unknown benchmark ${unknown.join(', ')}; available: ${available.join(', ')}`);
  process.exit(2);
}
for (const name of names.length > 0 ? names : available) {
  console.log(`\n## ${name}\n`);
  const result = await execa(process.execPath, [join(dir, `${name}.ts`), ...options], { stdio: 'inherit', reject: false });
  if (result.exitCode !== 0) process.exit(result.exitCode ?? 1);
}
