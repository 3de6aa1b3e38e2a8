/**
 * Entry point of the conformance suite: `testConnector({ command })` runs every check against a
 * connector executable written in any language and returns the report.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { connectorEnvironment } from '@sync/engine';
import { findConformanceFile, interpolate, loadConformanceFile } from './conformance-file.ts';
import type { ConnectorUnderTest } from './connector-run.ts';
import { destinationSuite } from './destination-suite.ts';
import type { SuiteReport } from './report.ts';
import { startService, type SetupService } from './setup-service.ts';
import { sourceSuite } from './source-suite.ts';

export interface TestConnectorOptions {
  /** The connector's command line, without its own command: `["python3", "source.py"]`. */
  command: readonly string[];
  /** The conformance file; default: `conformance.json` next to the command's file (see findConformanceFile). */
  file?: string;
  /** Working directory of the connector. Default: process.cwd(). */
  cwd?: string;
  /**
   * Environment of the file's commands (`setup`, `readBack`, `teardown`, `{{env.NAME}}`), and what
   * the connector's is picked from. Default: process.env. Either way the directory of the Node
   * running the suite comes first in `PATH`, so `node` in the file's commands is that Node, as it is
   * for a connector command starting with `node`.
   */
  env?: NodeJS.ProcessEnv;
  /**
   * Variables of `env` the connector gets besides the allow-listed ones (`PATH`, `HOME`, `LANG`,
   * `TZ`, `TMPDIR`, `LC_*`), as `sync run --pass-env` gives them: the connector runs with the
   * environment a sync run would give it, so its settings must come from its config.
   */
  passEnv?: readonly string[];
}

/**
 * `["python3 x.py"]` (one string, as `--source` takes it) and `["python3", "x.py"]` both work; a
 * leading `node` is the Node running this suite, as the engine does for built-in connectors.
 */
export function connectorArgv(command: readonly string[]): string[] {
  const words = command.length === 1 ? command[0]!.trim().split(/\s+/) : [...command];
  if (words[0] === 'node') words[0] = process.execPath;
  return words;
}

/**
 * Runs the suite that fits the connector (the file's `kind`).
 *
 * @throws Error when the command is empty, a `passEnv` name is not a variable name, the conformance
 *   file is missing or malformed, or its setup fails: the suite cannot start. Failed checks are not
 *   errors: they are in the report.
 */
export async function testConnector(options: TestConnectorOptions): Promise<SuiteReport> {
  const cwd = options.cwd ?? process.cwd();
  const given = options.env ?? process.env;
  const env = { ...given, PATH: [dirname(process.execPath), given.PATH].filter(Boolean).join(delimiter) };
  const connectorEnv = connectorEnvironment(env, options.passEnv);
  const argv = connectorArgv(options.command);
  if (argv.length === 0 || !argv[0]) throw new Error('no connector command given: sync connector test -- <command…>');
  const path = options.file ?? findConformanceFile(argv, cwd);
  if (!path) {
    throw new Error(
      `no conformance.json next to ${argv.join(' ')}: create one (see docs/connectors.md, "Testing a connector") or pass --file`,
    );
  }
  const raw = loadConformanceFile(path);
  const fileDir = dirname(path);
  const timeoutMs = raw.timeoutSeconds * 1000;
  let service: SetupService | undefined;
  const dir = await mkdtemp(join(tmpdir(), 'sync-conformance-'));
  const vars: Record<string, string> = { run_id: randomBytes(4).toString('hex') };
  let teardown: string | undefined;
  try {
    if (raw.setup) {
      service = await startService(interpolate(raw.setup, vars, env), fileDir, env, timeoutMs);
      Object.assign(vars, service.vars);
    }
    const file = interpolate(raw, vars, env);
    teardown = file.teardown;
    const connector: ConnectorUnderTest = {
      command: { name: options.command.join(' '), file: argv[0], args: argv.slice(1) },
      cwd,
      env: connectorEnv,
    };
    const context = { connector, env, file, dir, timeoutMs };
    const checks = file.kind === 'source' ? await sourceSuite(context) : await destinationSuite(context);
    return { connector: options.command.join(' '), kind: file.kind, checks };
  } finally {
    if (teardown) spawnSync('/bin/sh', ['-c', teardown], { cwd: fileDir, env, stdio: 'ignore', timeout: timeoutMs });
    service?.stop();
    await rm(dir, { recursive: true, force: true });
  }
}
