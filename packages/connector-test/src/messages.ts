/**
 * Judging a connector's stdout line by line against Airbyte's schema, shared by the source and
 * destination suites.
 */
import { snip } from '@sync/protocol';
import { airbyteMessageProblem } from './airbyte-schema.ts';
import type { CommandOutput, OutputLine } from './connector-run.ts';
import { howItEnded, stderrTail } from './connector-run.ts';

/** A stdout line that is a valid Airbyte message; `message` keeps the wire shape. */
export interface WireMessage {
  number: number;
  type: string;
  message: Record<string, unknown> & { type: string };
}

/** Splits lines into valid messages and one problem per invalid line (not JSON, not an Airbyte message). */
export function judgeLines(lines: readonly OutputLine[]): { messages: WireMessage[]; problems: string[] } {
  const messages: WireMessage[] = [];
  const problems: string[] = [];
  for (const line of lines) {
    if (line.json === undefined) {
      problems.push(`stdout line ${line.number} is not JSON (logs belong on stderr or in LOG messages): ${snip(line.text)}`);
      continue;
    }
    const problem = airbyteMessageProblem(line.json);
    if (problem) {
      problems.push(`stdout line ${line.number} is not a valid Airbyte message (${problem}): ${snip(line.text)}`);
      continue;
    }
    const message = line.json as WireMessage['message'];
    messages.push({ number: line.number, type: message.type, message });
  }
  return { messages, problems };
}

/** Problems with how a command that should succeed ended: exit code, TRACE ERROR. */
export function endedWell(result: CommandOutput, messages: readonly WireMessage[]): string[] {
  const problems: string[] = [];
  if (result.exitCode !== 0) problems.push(`the command should exit 0; it ended with ${howItEnded(result)}${stderrTail(result)}`);
  for (const m of messages) {
    if (m.type !== 'TRACE') continue;
    const trace = m.message.trace as { type?: string; error?: { message?: string } };
    if (trace.type === 'ERROR') problems.push(`line ${m.number}: TRACE ERROR: ${trace.error?.message ?? ''}`);
  }
  return problems;
}

/** The payloads of the messages of one type (`SPEC` → the `spec` objects), with line numbers. */
export function payloads<T>(messages: readonly WireMessage[], type: string, field: string): Array<{ number: number; value: T }> {
  return messages.filter((m) => m.type === type).map((m) => ({ number: m.number, value: m.message[field] as T }));
}
