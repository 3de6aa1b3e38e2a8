/**
 * The `write` command: records into one tab per stream, each STATE acknowledged once the batch
 * holding every record before it is written.
 *
 * Rule (Airbyte protocol, "State & Checkpointing",
 * https://docs.airbyte.com/understanding-airbyte/airbyte-protocol#state--checkpointing): a STATE is
 * emitted only after all records before it are persisted, in order. States wait with their records
 * until the batch is full (`batch_size`) or `flush_interval_ms` has passed, so a source that
 * checkpoints every page does not cost one API request per page; every STATE is still acknowledged
 * as soon as its batch is written, not only at the end.
 */
import type { AirbyteMessage, MessageOf } from '@sync/protocol';
import { acknowledge, ConfigError, configUpdate, log, RecordCounts, type WriteInput } from '@sync/connector-kit';
import type { OAuth2Client } from 'google-auth-library';
import { SheetsApi, type SheetInfo } from './api.ts';
import type { GoogleSheetsDestinationConfig } from './config.ts';
import { planTab, Tab, type TabPlan } from './tab.ts';
import { writeOnce } from './write-once.ts';

/** Cells per spreadsheet (https://support.google.com/drive/answer/37603). */
export const MAX_SPREADSHEET_CELLS = 10_000_000;

/** Makes the API client for a config (with the auth client chosen by the destination). */
export function apiFor(config: GoogleSheetsDestinationConfig, auth: OAuth2Client, log?: (line: string) => void): SheetsApi {
  return new SheetsApi({
    rootUrl: config.api_base_url,
    auth,
    requestsPerMinute: config.requests_per_minute,
    timeoutMs: config.request_timeout_ms,
    retry: {
      maxRetries: config.max_retries,
      baseMs: config.retry_base_ms,
      ...(log ? { onRetry: (attempt, delayMs, error) => log(`retry ${attempt} in ${Math.round(delayMs)} ms: ${(error as Error).message}`) } : {}),
    },
  });
}

/**
 * Writes `messages` to the spreadsheet and yields: a CONTROL config update first when it created
 * the spreadsheet, a WARN LOG per dedup tab from which it deleted rows repeating a primary key (see
 * `Tab.open`), then each STATE with `destinationStats.recordCount` once its records are written.
 *
 * When `messages` throws (input abort: the harness turns a TRACE ERROR on stdin into an error), the
 * error propagates at once: records buffered since the last write are not written and no STATE
 * is acknowledged after it.
 *
 * @throws ConfigError for a record of a stream not in the catalog, a dedup stream without primary
 *   key, bad credentials or spreadsheet id, or a spreadsheet that would pass 10 million cells;
 *   ConnectorError transient_error when the API keeps failing after retries (AmbiguousWriteError
 *   when the last failure left a write's outcome unknown); ConnectorError system_error when a tab
 *   read back after an ambiguous failure holds neither the before nor the after of the write.
 */
export async function* writeToSheets(input: WriteInput<GoogleSheetsDestinationConfig>, auth: OAuth2Client): AsyncGenerator<AirbyteMessage> {
  const { config, catalog, messages } = input;
  const api = apiFor(config, auth, (line) => process.stderr.write(`destination-google-sheets: ${line}\n`));
  const plans = catalog.streams.map(planTab);

  let spreadsheetId = config.spreadsheet_id;
  let sheets: SheetInfo[];
  if (spreadsheetId === undefined) {
    const created = await api.create(config.spreadsheet_title!);
    spreadsheetId = created.spreadsheetId;
    sheets = created.sheets;
    // The config as the user wrote it plus the new id: only the id is a change to save.
    yield configUpdate({ ...(input.rawConfig ?? config), spreadsheet_id: spreadsheetId });
    yield log('INFO', `created spreadsheet ${JSON.stringify(config.spreadsheet_title)} (${spreadsheetId})`);
  } else {
    sheets = await api.sheets(spreadsheetId);
  }

  await addMissingTabs(api, spreadsheetId, sheets, plans);
  const tabs = new Map<string, Tab>();
  for (const plan of plans) {
    const tab = new Tab(plan, sheets.find((s) => s.title === plan.stream)!);
    const { duplicatesDeleted } = await tab.open(api, spreadsheetId);
    tabs.set(plan.stream, tab);
    if (duplicatesDeleted > 0) {
      yield log(
        'WARN',
        `tab '${plan.stream}': deleted ${duplicatesDeleted} ${duplicatesDeleted === 1 ? 'row' : 'rows'} repeating a primary key of an earlier row (append_dedup keeps one row per key, the first)`,
      );
    }
  }

  let cells = sheets.reduce((n, s) => n + s.rowCount * s.columnCount, 0);
  const reserveCells = (more: number) => {
    if (cells + more > MAX_SPREADSHEET_CELLS) {
      throw new ConfigError(
        `spreadsheet ${spreadsheetId} would pass Google Sheets' limit of ${MAX_SPREADSHEET_CELLS.toLocaleString('en-US')} cells ` +
          `(${cells.toLocaleString('en-US')} used, ${more.toLocaleString('en-US')} more needed); write to a new spreadsheet or fewer streams`,
      );
    }
    cells += more;
  };

  const counts = new RecordCounts();
  let buffered = 0;
  let waitingSince: number | undefined;
  let pendingStates: MessageOf<'STATE'>[] = [];
  let totals = { updated: 0, appended: 0, deleted: 0 };
  const flush = async () => {
    for (const tab of tabs.values()) {
      if (tab.buffered === 0 && tab.header.length === 0) continue;
      const done = await tab.flush(api, spreadsheetId, reserveCells);
      totals = { updated: totals.updated + done.updated, appended: totals.appended + done.appended, deleted: totals.deleted + done.deleted };
    }
    buffered = 0;
    waitingSince = undefined;
    const acks = pendingStates;
    pendingStates = [];
    return acks;
  };

  for await (const message of messages) {
    if (message.type === 'RECORD') {
      const tab = tabs.get(message.record.stream);
      if (!tab) {
        throw new ConfigError(
          `record for stream '${message.record.stream}', which is not in the configured catalog (streams: ${[...tabs.keys()].join(', ')})`,
          { stream: message.record.stream },
        );
      }
      tab.add(message.record.data);
      counts.add(message.record.stream);
      buffered++;
    } else if (message.type === 'STATE') {
      pendingStates.push(acknowledge(message, counts.take(message.state)));
      waitingSince ??= Date.now();
    } else {
      continue;
    }
    const due = pendingStates.length > 0 && (buffered === 0 || Date.now() - waitingSince! >= config.flush_interval_ms);
    if (buffered >= config.batch_size || due) yield* await flush();
  }
  yield* await flush();
  yield log(
    'INFO',
    `spreadsheet ${spreadsheetId}: ${totals.appended} rows appended, ${totals.updated} updated in place, ${totals.deleted} deleted; ${api.requests} API requests`,
  );
}

/**
 * Adds a tab for each plan whose stream has none, pushing the new tabs onto `sheets`. After an
 * ambiguous failure the spreadsheet's tabs are read again and only those still missing are added, so
 * a tab added by a request whose answer was lost is not added twice (which Sheets refuses).
 */
async function addMissingTabs(api: SheetsApi, spreadsheetId: string, sheets: SheetInfo[], plans: readonly TabPlan[]): Promise<void> {
  const missing = () => plans.filter((p) => !sheets.some((s) => s.title === p.stream));
  if (missing().length === 0) return;
  await writeOnce(
    async () => {
      const replies = await api.batchUpdate(
        spreadsheetId,
        missing().map((p) => ({ addSheet: { properties: { title: p.stream, gridProperties: { rowCount: 1, columnCount: Math.max(p.columns.length, 1) } } } })),
      );
      for (const reply of replies) {
        const props = reply.addSheet?.properties;
        if (props) sheets.push({ sheetId: props.sheetId ?? 0, title: props.title ?? '', rowCount: props.gridProperties?.rowCount ?? 1, columnCount: props.gridProperties?.columnCount ?? 1 });
      }
    },
    async () => {
      sheets.splice(0, sheets.length, ...(await api.sheets(spreadsheetId)));
      return missing().length === 0 ? { applied: true, result: undefined } : { applied: false };
    },
    api.retry,
  );
}
