import { readFile } from 'node:fs/promises';
import { UserError } from './user-error.ts';

/**
 * Reads a connector config given on the command line either as the path of a JSON file (where
 * secrets belong: mode 0600, out of shell history and `ps`) or as inline JSON (`'{"count": 10}'`,
 * for settings that are not secret).
 *
 * @throws UserError naming the flag when the file is missing or the JSON is invalid or not an object.
 *   The error never quotes the config: it may hold secrets.
 */
export async function readConfigInput(flag: string, value: string | undefined): Promise<Record<string, unknown> | undefined> {
  if (value === undefined || value === '') return undefined;
  const inline = value.trimStart().startsWith('{');
  let text = value;
  if (!inline) {
    try {
      text = await readFile(value, 'utf8');
    } catch (error) {
      throw new UserError(`${flag}: cannot read ${value}: ${(error as Error).message}`);
    }
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    // JSON.parse's message quotes the text around the mistake, which may be a secret: keep only where it is.
    const at = /position (\d+)/.exec((error as Error).message)?.[1];
    const where = at === undefined ? '' : ` at character ${at}`;
    const check = inline ? 'put it in a file and run `jq . FILE`' : `\`jq . ${value}\` shows where`;
    throw new UserError(`${flag}: ${inline ? 'the inline config' : value} is not valid JSON${where} (not quoted here, as a config may hold secrets: ${check})`);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new UserError(`${flag}: expected a JSON object`);
  }
  return parsed as Record<string, unknown>;
}
