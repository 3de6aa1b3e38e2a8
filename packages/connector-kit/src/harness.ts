/**
 * The connector CLI harness: turns a `Source` or `Destination` object into an executable that speaks
 * Airbyte's connector commands (https://docs.airbyte.com/understanding-airbyte/airbyte-protocol#actor-interface):
 *
 *   spec
 *   check    --config FILE
 *   discover --config FILE                          (sources)
 *   read     --config FILE --catalog FILE [--state FILE]   (sources)
 *   write    --config FILE --catalog FILE            (destinations; messages on stdin)
 *
 * Only stdout carries protocol messages. A failure becomes a TRACE ERROR on stdout, one line on
 * stderr, and exit code 1. A TRACE ERROR on a destination's stdin aborts its write (input-abort.ts).
 */
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import type { Readable, Writable } from 'node:stream';
import * as z from 'zod';
import {
  ConfiguredAirbyteCatalog,
  decodeMessages,
  encodeMessage,
  writeMessages,
  type AirbyteMessage,
  type ConnectorSpecification,
  type DestinationSyncMode,
} from '@sync/protocol';
import { isSource, type Connector } from './connector.ts';
import { CheckpointMissing } from './checkpoint-missing.ts';
import { ConfigError, ConnectorError, errorMessage } from './errors.ts';
import { abortableIo, InputAborted } from './input-abort.ts';
import { writeMessagesBatched } from './batched-output.ts';
import { catalogMessage, connectionStatus, errorTrace, log, specMessage } from './builders.ts';
import { parseStateInput } from './state.ts';

/** The process a command runs in: its arguments (without node and the script) and its three streams. */
export interface HarnessIo {
  argv: readonly string[];
  stdin: Readable;
  stdout: Writable;
  stderr: Writable;
}

/** The `spec` of a connector: its config schema as draft-07 JSON Schema (Airbyte's dialect). */
export function specOf(connector: Connector<unknown>): ConnectorSpecification {
  const connectionSpecification = z.toJSONSchema(connector.configSchema, { target: 'draft-7', io: 'input' });
  return {
    ...(connector.documentationUrl ? { documentationUrl: connector.documentationUrl } : {}),
    connectionSpecification: connectionSpecification as Record<string, unknown>,
    ...(isSource(connector) ? {} : { supported_destination_sync_modes: [...connector.supportedSyncModes] }),
  };
}

function usage(connector: Connector<unknown>): string {
  const commands = isSource(connector)
    ? [
        'spec                                   print the config schema',
        'check    --config FILE                 verify the config can connect',
        'discover --config FILE                 print the catalog of streams',
        'read     --config FILE --catalog FILE [--state FILE]   emit records and state',
      ]
    : [
        'spec                                   print the config schema',
        'check    --config FILE                 verify the config can connect',
        'write    --config FILE --catalog FILE  write messages read from stdin',
      ];
  return [
    `Usage: ${connector.name} <command> [options]`,
    '',
    'Airbyte-protocol connector. Messages go to stdout as NDJSON; logs go to stderr.',
    '',
    'Commands:',
    ...commands.map((c) => `  ${c}`),
    '',
  ].join('\n');
}

async function readJsonFile(path: string, what: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new ConfigError(`cannot read the ${what} file ${path}: ${errorMessage(error)}`);
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new ConfigError(`the ${what} file ${path} is not valid JSON: ${errorMessage(error)}`);
  }
}

function issuesText(error: z.ZodError): string {
  return error.issues
    .map((issue) => (issue.path.length > 0 ? `${issue.path.join('.')}: ${issue.message}` : issue.message))
    .join('; ');
}

async function loadConfig<Config>(connector: Connector<Config>, path: string | undefined): Promise<Config> {
  return (await loadConfigWithRaw(connector, path)).config;
}

/** The config as parsed (defaults filled in) and as written in the file. */
async function loadConfigWithRaw<Config>(
  connector: Connector<Config>,
  path: string | undefined,
): Promise<{ config: Config; raw: Record<string, unknown> }> {
  if (!path) throw new ConfigError('missing --config FILE');
  const raw = await readJsonFile(path, 'config');
  const parsed = connector.configSchema.safeParse(raw);
  if (!parsed.success) throw new ConfigError(`invalid config in ${path}: ${issuesText(parsed.error)}`);
  return { config: parsed.data, raw: raw as Record<string, unknown> };
}

async function loadCatalog(path: string | undefined): Promise<ConfiguredAirbyteCatalog> {
  if (!path) throw new ConfigError('missing --catalog FILE');
  const parsed = ConfiguredAirbyteCatalog.safeParse(await readJsonFile(path, 'catalog'));
  if (!parsed.success) throw new ConfigError(`invalid configured catalog in ${path}: ${issuesText(parsed.error)}`);
  return parsed.data;
}

/**
 * A destination is never handed a mode it did not declare in its spec
 * (`supported_destination_sync_modes`), so a connector need not check it itself.
 *
 * @throws ConfigError naming each stream asking for an unsupported mode, and the supported ones.
 */
function assertSupportedModes(catalog: ConfiguredAirbyteCatalog, supported: readonly DestinationSyncMode[]): void {
  const wrong = catalog.streams.filter((s) => !supported.includes(s.destination_sync_mode));
  if (wrong.length === 0) return;
  const asked = wrong.map((s) => `${s.stream.name} (${s.destination_sync_mode})`).join(', ');
  throw new ConfigError(`the configured catalog asks for a sync mode this destination lacks for stream${wrong.length > 1 ? 's' : ''} ${asked}; it supports ${supported.join(', ')}`);
}

/** A message stream of one message. */
async function* only(message: AirbyteMessage): AsyncGenerator<AirbyteMessage> {
  yield message;
}

async function messagesFor<Config>(connector: Connector<Config>, command: string, options: Record<string, string | undefined>, io: HarnessIo): Promise<AsyncIterable<AirbyteMessage>> {
  switch (command) {
    case 'spec':
      return only(specMessage(specOf(connector as Connector<unknown>)));
    case 'check': {
      let config: Config;
      try {
        config = await loadConfig(connector, options.config);
      } catch (error) {
        return only(connectionStatus({ status: 'FAILED', message: errorMessage(error) }));
      }
      const status = await connector.check(config).catch((error: unknown) => ({
        status: 'FAILED' as const,
        message: errorMessage(error),
      }));
      return only(connectionStatus(status));
    }
    case 'discover':
      if (!isSource(connector)) break;
      return only(catalogMessage(await connector.discover(await loadConfig(connector, options.config))));
    case 'read': {
      if (!isSource(connector)) break;
      const { config, raw } = await loadConfigWithRaw(connector, options.config);
      const catalog = await loadCatalog(options.catalog);
      let state = parseStateInput([]);
      if (options.state) {
        const raw = await readJsonFile(options.state, 'state');
        try {
          state = parseStateInput(raw);
        } catch (error) {
          throw new ConfigError(`invalid state in ${options.state}: ${errorMessage(error)}`);
        }
      }
      return connector.read({
        config,
        rawConfig: raw,
        catalog,
        state: state.streams,
        ...(state.shared ? { sharedState: state.shared } : {}),
        ...(state.legacy ? { legacyState: state.legacy } : {}),
      });
    }
    case 'write': {
      if (isSource(connector)) break;
      const { config, raw } = await loadConfigWithRaw(connector, options.config);
      const catalog = await loadCatalog(options.catalog);
      assertSupportedModes(catalog, connector.supportedSyncModes);
      const input = abortableIo(
        (async function* () {
          for await (const { message } of decodeMessages(io.stdin, { connector: 'stdin' })) yield message;
          await confirmReaderPresent(io.stdout);
        })(),
      );
      return input.output(connector.write({ config, rawConfig: raw, catalog, messages: input.messages }));
    }
  }
  throw new UsageError(`unknown command ${JSON.stringify(command)} (run with --help for the commands)`);
}

/**
 * Called at the end of a destination's input, before the destination commits the records after the
 * last STATE: proves that whoever reads its output is still there by writing one DEBUG LOG line and
 * waiting for the write to complete.
 *
 * Why: when the engine is killed, the destination sees the end of its stdin exactly as on a clean
 * end, and would commit a tail of records that no state covers; the next run reads them again, and an
 * `append` table gets them twice. The engine's death closes the destination's stdout pipe too, so
 * the write fails (EPIPE) and the input throws instead of ending: nothing after the last acknowledged
 * STATE is committed.
 *
 * @throws the write's own error (EPIPE) when the output cannot be written; ConnectorError
 *   (transient_error) when it was closed already.
 */
async function confirmReaderPresent(output: Writable): Promise<void> {
  if (output.destroyed || output.writableEnded) {
    throw new ConnectorError(
      "the reader of this destination's output is gone (the engine was stopped): nothing after the last acknowledged STATE was committed",
      { failureType: 'transient_error' },
    );
  }
  await new Promise<void>((resolve, reject) => {
    output.write(encodeMessage(log('DEBUG', 'end of input: committing the records after the last STATE')), (error) =>
      // The write error itself (EPIPE) ends the command quietly: there is no one left to tell.
      error ? reject(error) : resolve(),
    );
  });
}

/** A command line the connector cannot run: exit code 2, one line on stderr, no TRACE. */
class UsageError extends Error {}

/**
 * Runs one connector command and returns its exit code (0 on success, 1 on failure, 2 on a usage
 * error). Never throws: failures are reported as a TRACE ERROR on stdout and one line on stderr.
 */
export async function runConnector<Config>(connector: Connector<Config>, io: HarnessIo): Promise<number> {
  let command: string | undefined;
  let options: Record<string, string | undefined>;
  try {
    const parsed = parseArgs({
      args: [...io.argv],
      allowPositionals: true,
      options: {
        config: { type: 'string' },
        catalog: { type: 'string' },
        state: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
    command = parsed.positionals[0];
    options = parsed.values as Record<string, string | undefined>;
    if (parsed.values.help || !command) {
      io.stderr.write(usage(connector as Connector<unknown>));
      return parsed.values.help ? 0 : 2;
    }
  } catch (error) {
    io.stderr.write(`${connector.name}: ${errorMessage(error)}\n\n${usage(connector as Connector<unknown>)}`);
    return 2;
  }

  try {
    const messages = await messagesFor(connector, command, options, io);
    // A source's output is batched (batched-output.ts); a destination's is not: it is a few STATE
    // acknowledgements, and its end-of-input check (confirmReaderPresent) writes to stdout directly.
    await (isSource(connector) ? writeMessagesBatched(messages, io.stdout) : writeMessages(messages, io.stdout));
    return 0;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EPIPE') return 1;
    if (error instanceof UsageError) {
      io.stderr.write(`${connector.name}: ${error.message}\n`);
      return 2;
    }
    const failureType = error instanceof ConnectorError ? error.failureType : 'system_error';
    const stream = error instanceof ConnectorError ? error.stream : undefined;
    const cause =
      error instanceof CheckpointMissing
        ? error.internalMessage
        : error instanceof Error && error.cause
          ? errorMessage(error.cause)
          : undefined;
    const trace = errorTrace(errorMessage(error), {
      failureType,
      ...(stream ? { stream } : {}),
      ...(cause ? { internalMessage: cause } : {}),
      ...(error instanceof Error && error.stack && failureType === 'system_error' && !(error instanceof InputAborted) ? { stackTrace: error.stack } : {}),
    });
    io.stderr.write(`${connector.name}: ${failureType}: ${errorMessage(error)}\n`);
    try {
      await writeMessages(only(trace), io.stdout);
    } catch {
      // stdout is gone (the reader exited); stderr already has the error.
    }
    return 1;
  }
}

/**
 * Entry point for a connector's bin file: runs the command from `process.argv` and sets the exit code.
 * Exits once stdout has drained.
 */
export async function main<Config>(connector: Connector<Config>): Promise<void> {
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    // The reader went away; nothing more can be said on stdout.
    if (error.code === 'EPIPE') process.exit(1);
  });
  const code = await runConnector(connector, {
    argv: process.argv.slice(2),
    stdin: process.stdin,
    stdout: process.stdout,
    stderr: process.stderr,
  });
  // Exit once stdout has flushed, even if a client library keeps an idle socket open.
  process.stdout.write('', () => process.exit(code));
}
