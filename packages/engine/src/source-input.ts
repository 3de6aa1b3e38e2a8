/**
 * Input handed to the source's `read` as a file: an extension of Airbyte's `read` (which takes only
 * `--config`, `--catalog` and `--state`) that only a source knowing the option accepts, e.g.
 * `source-stripe read --webhooks FILE` (Stripe webhook deliveries, one JSON object a line). A source
 * that does not know the option fails on it, so only pass it to one that does.
 */
import { RunConfigError } from './errors.ts';

/** Lines for the source to read from a file, and the option of `read` that names the file. */
export interface SourceInput {
  /** The option of the source's `read` that takes the file, e.g. `--webhooks`. */
  option: string;
  /** The file's lines (NDJSON: one JSON value each, no newline inside), in order. */
  lines: readonly string[];
}

/** The options of `read` the engine itself passes, which a source input may not take over. */
const RESERVED_OPTIONS = new Set(['--config', '--catalog', '--state']);

/**
 * Writes `input`'s lines to `source-input.ndjson` in the run's private dir (0600) and returns the
 * arguments to add to the source's `read`: `[option, file]`.
 *
 * @throws RunConfigError when the option is not `--<name>` or is one the engine passes itself, or a
 *   line holds a line break (it would become two lines).
 */
export async function sourceInputArgs(input: SourceInput, writeText: (name: string, text: string) => Promise<string>): Promise<string[]> {
  if (!/^--[a-z0-9][a-z0-9-]*$/i.test(input.option) || RESERVED_OPTIONS.has(input.option)) {
    throw new RunConfigError(
      `source input option ${JSON.stringify(input.option)} is not an option the engine can add to read: give one of the form --name (e.g. --webhooks), other than ${[...RESERVED_OPTIONS].join(', ')}`,
    );
  }
  const broken = input.lines.findIndex((line) => /[\r\n]/.test(line));
  if (broken !== -1) {
    throw new RunConfigError(`source input line ${broken + 1} holds a line break; give one JSON value per line, each serialised on one line`);
  }
  const file = await writeText('source-input.ndjson', input.lines.map((line) => `${line}\n`).join(''));
  return [input.option, file];
}
