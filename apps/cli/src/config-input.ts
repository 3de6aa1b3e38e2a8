import { readFile } from 'node:fs/promises';
import { UserError } from './user-error.ts';

/**
 * Reads a connector config given on the command line either as inline JSON (`'{"count": 10}'`) or
 * as the path of a JSON file.
 *
 * @throws UserError naming the flag when the file is missing or the JSON is invalid or not an object.
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
    throw new UserError(`${flag}: ${inline ? 'inline' : value} is not valid JSON: ${(error as Error).message}`);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new UserError(`${flag}: expected a JSON object`);
  }
  return parsed as Record<string, unknown>;
}
