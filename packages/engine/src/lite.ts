/**
 * `@sync/engine/lite`: the engine's defaults and the helpers a command line shows them with, for code
 * that describes a run without running one (`sync --help`, `sync runs`). Every module here is a leaf:
 * importing this loads none of the engine, the protocol or zod, where importing `@sync/engine` loads
 * all of them (issue 13: the CLI's bundle put the engine, the protocol and zod, 1.1 MB with execa, in
 * the chunks `sync --help` loaded, because run.ts took three constants from the package's index).
 */
export { DEFAULT_CATALOG_MAX_AGE_MS, DEFAULT_TIMEOUTS, type RunTimeouts } from './timeouts.ts';
export { formatDuration, parseDuration } from './duration.ts';
export { maskUrlPasswords } from './redactor.ts';
