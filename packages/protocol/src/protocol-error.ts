/**
 * The error of the NDJSON codec (ndjson.ts): a line on a connector's stdout that is not a valid
 * Airbyte message (Airbyte protocol, "Actor Interface": every line of stdout is one AirbyteMessage).
 */

/**
 * A line that is not a valid protocol message.
 * `message` reads `<connector>: line <n>: <problem>: <snippet>`: who wrote it, the 1-based line
 * number, what is wrong, and the first 120 characters of the line (see `snip`).
 */
export class ProtocolError extends Error {
  readonly connector: string;
  readonly lineNumber: number;
  readonly snippet: string;

  constructor(connector: string, lineNumber: number, problem: string, line: string) {
    const snippet = snip(line);
    super(`${connector}: line ${lineNumber}: ${problem}: ${snippet}`);
    this.name = 'ProtocolError';
    this.connector = connector;
    this.lineNumber = lineNumber;
    this.snippet = snippet;
  }
}

/** A line for an error message: whitespace runs folded to one space, cut at `max` characters (with `…`), JSON-quoted. */
export function snip(line: string, max = 120): string {
  const oneLine = line.replace(/\s+/g, ' ').trim();
  return JSON.stringify(oneLine.length > max ? `${oneLine.slice(0, max)}…` : oneLine);
}
