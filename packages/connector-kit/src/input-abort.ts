/**
 * Input abort: a TRACE ERROR on a destination's stdin means "the upstream failed" (the source threw,
 * crashed, hung or timed out; the engine forwards the source's TRACE ERROR, or one it synthesizes,
 * before closing the destination's stdin).
 *
 * Rule: the destination then commits nothing after the last STATE it received before the TRACE ERROR,
 * acknowledges no other STATE, and exits 1 with a TRACE ERROR of its own carrying the upstream
 * `failure_type`. The records before a STATE the source sent are whole whatever failed after it, so a
 * destination that groups several STATEs into one commit (destination-postgres) may still commit and
 * acknowledge the ones it holds when the abort arrives; the next run resumes from the last one. A clean
 * end of input (EOF with no TRACE ERROR) still commits the records after the last STATE, as Airbyte
 * destinations do (Airbyte protocol, "State & Checkpointing": records after the last state may be
 * committed; only states acknowledge).
 *
 * The harness enforces it, so a destination need not know about it: the message iterator handed to
 * `write` throws `InputAborted` at the TRACE ERROR (and on every later `next()`, so a destination that
 * catches it cannot mistake the abort for EOF), STATEs the destination yields after it are dropped
 * unless they are acknowledgements of STATEs it received before it (same `stateHash`), and the run ends
 * with the abort whatever the destination did with the error.
 */
import { ConnectorError } from './errors.ts';
import { stateHash, type AirbyteErrorTraceMessage, type AirbyteMessage, type AirbyteStateMessage } from '@sync/protocol';

/** The error the destination's input throws when a TRACE ERROR arrives on it. */
export class InputAborted extends ConnectorError {
  /** The TRACE ERROR that arrived on stdin. */
  readonly upstream: AirbyteErrorTraceMessage;

  /** `upstream`: the `trace.error` of the TRACE ERROR; its `failure_type` (default system_error) and stream are kept. */
  constructor(upstream: AirbyteErrorTraceMessage) {
    super(
      `input aborted: the source failed: ${upstream.message}. ` +
        'Nothing after the last acknowledged STATE was committed; the next run resumes from that state',
      {
        failureType: upstream.failure_type ?? 'system_error',
        ...(upstream.stream_descriptor?.name ? { stream: upstream.stream_descriptor.name } : {}),
      },
    );
    this.name = 'InputAborted';
    this.upstream = upstream;
  }
}

/** A destination's input and output, guarded for input abort; see the module comment. */
export interface AbortableIo {
  /** The messages to hand to `write`: `input`, throwing `InputAborted` from a TRACE ERROR on. */
  messages: AsyncIterable<AirbyteMessage>;
  /**
   * Wraps what `write` yields: passes it through until the abort, then drops the STATEs that do not
   * acknowledge one received before the abort, and ends by throwing the `InputAborted` (instead of
   * any error the destination threw after it, or of a clean end).
   */
  output(written: AsyncIterable<AirbyteMessage>): AsyncGenerator<AirbyteMessage>;
  /** The abort, once a TRACE ERROR has been read. */
  readonly aborted: InputAborted | undefined;
}

/** Guards a destination's `input` (decoded stdin) and its output for input abort. */
export function abortableIo(input: AsyncIterable<AirbyteMessage>): AbortableIo {
  let aborted: InputAborted | undefined;
  /**
   * The STATEs handed to the destination and not yet acknowledged, oldest first (acknowledgements come
   * in order): what it may still acknowledge after an abort. Hashed only then, when it is compared.
   */
  const unacknowledged: AirbyteStateMessage[] = [];
  const source = input[Symbol.asyncIterator]();
  const messages: AsyncIterable<AirbyteMessage> = {
    [Symbol.asyncIterator]: () => ({
      async next(): Promise<IteratorResult<AirbyteMessage>> {
        if (aborted) throw aborted;
        const next = await source.next();
        if (next.done) return next;
        const message = next.value;
        if (message.type === 'TRACE' && message.trace.type === 'ERROR') {
          aborted = new InputAborted(message.trace.error ?? { message: 'a TRACE ERROR without details' });
          throw aborted;
        }
        if (message.type === 'STATE') unacknowledged.push(message.state);
        return next;
      },
      async return(): Promise<IteratorResult<AirbyteMessage>> {
        await source.return?.();
        return { done: true, value: undefined };
      },
    }),
  };
  async function* output(written: AsyncIterable<AirbyteMessage>): AsyncGenerator<AirbyteMessage> {
    try {
      let held: Set<string> | undefined;
      for await (const message of written) {
        if (message.type === 'STATE') {
          if (!aborted) unacknowledged.shift();
          else if (!(held ??= new Set(unacknowledged.map((state) => stateHash(state)))).has(stateHash(message.state))) continue;
        }
        yield message;
      }
    } catch (error) {
      throw aborted ?? error;
    }
    if (aborted) throw aborted;
  }
  return {
    messages,
    output,
    get aborted() {
      return aborted;
    },
  };
}
