/**
 * The Google Sheets emulator for the conformance suite (`conformance.json` of this package):
 *
 *   node scripts/conformance-emulator.ts serve
 *     starts `@sync/google-sheets-emulator` on a free port with one empty spreadsheet and prints
 *     `Google Sheets emulator listening on <url> spreadsheet <id>`; runs until SIGTERM or SIGINT.
 *   node scripts/conformance-emulator.ts read-back <url> <spreadsheet id> <tab>
 *     prints the tab's rows as JSON objects (row 1 is the header), one per line, values unformatted
 *     (numbers stay numbers), as the suite's `readBack` wants them.
 */
import { startSheetsEmulator } from '@sync/google-sheets-emulator';

/** The bearer token the emulator always accepts (its default `accessToken`). */
const TOKEN = 'emulator-token';

async function serve(): Promise<void> {
  const emulator = await startSheetsEmulator({ host: '127.0.0.1' });
  const id = emulator.createSpreadsheet('conformance');
  process.stdout.write(`Google Sheets emulator listening on ${emulator.url} spreadsheet ${id}\n`);
  await new Promise<void>((resolve) => {
    process.once('SIGTERM', resolve);
    process.once('SIGINT', resolve);
  });
  await emulator.close();
}

async function readBack(url: string, spreadsheet: string, tab: string): Promise<void> {
  const range = encodeURIComponent(`'${tab.replaceAll("'", "''")}'`);
  const response = await fetch(`${url}v4/spreadsheets/${spreadsheet}/values/${range}?valueRenderOption=UNFORMATTED_VALUE`, {
    headers: { authorization: `Bearer ${TOKEN}` },
  });
  const body = (await response.json()) as { values?: unknown[][]; error?: { message?: string } };
  // A tab the destination has not created yet has no rows.
  if (response.status === 400 && /Unable to parse range/i.test(body.error?.message ?? '')) return;
  if (!response.ok) throw new Error(`values.get of tab '${tab}' answered ${response.status}: ${body.error?.message ?? ''}`);
  const [header = [], ...rows] = body.values ?? [];
  for (const row of rows) {
    const entries = header.map((column, i) => [String(column), row[i]] as const).filter(([, value]) => value !== undefined && value !== '');
    process.stdout.write(`${JSON.stringify(Object.fromEntries(entries))}\n`);
  }
}

const [command, ...args] = process.argv.slice(2);
if (command === 'serve' && args.length === 0) await serve();
else if (command === 'read-back' && args.length === 3) await readBack(args[0]!, args[1]!, args[2]!);
else {
  process.stderr.write('usage: conformance-emulator.ts serve | read-back <url> <spreadsheet id> <tab>\n');
  process.exitCode = 2;
}
