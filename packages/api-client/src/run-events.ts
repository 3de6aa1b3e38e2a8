/**
 * Follows a run's events: `GET /runs/{id}/events` answers `application/x-ndjson`, one event a line,
 * until the run's `run_finished` (docs/api.md, "Events"). When the connection drops, or the server
 * ends the stream early (an in-band `stream_error`), the follower asks again with `?after=<last seq>`,
 * so no event is lost or repeated; a client that disconnects does not stop the run.
 */
import { ApiError, apiErrorOf, unreachable } from './api-error.ts';
import type { components } from './generated/api.ts';

type RunEvent = components['schemas']['RunEvent'];

export interface FollowOptions {
  /** Start after this `seq` (default 0: from the first event). */
  after?: number;
  /** Stops following (the run goes on); the iterator then throws the signal's reason. */
  signal?: AbortSignal;
  /** Reconnections in a row without a new event before giving up (default 5). */
  attempts?: number;
  /** Wait before the first reconnection, ms; doubled each time up to 5 s (default 250). */
  retryDelayMs?: number;
}

/** The complete lines of an NDJSON body; a partial last line (a dropped connection) is not one. */
async function* lines(body: ReadableStream<Uint8Array<ArrayBuffer>>): AsyncGenerator<string> {
  const reader = body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      buffer += value;
      let end: number;
      while ((end = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, end).trim();
        buffer = buffer.slice(end + 1);
        if (line) yield line;
      }
    }
  } finally {
    await reader.cancel().catch(() => {});
  }
}

function wait(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(done, ms);
    function done() {
      signal?.removeEventListener('abort', done);
      clearTimeout(timer);
      if (signal?.aborted) reject(signal.reason);
      else resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}

const message = (error: unknown) => (error instanceof Error ? error.message : String(error));

/**
 * The events of run `runId` on the server at `baseUrl`, in `seq` order, ending after `run_finished`.
 *
 * @throws ApiError for a 4xx answer (401 wrong token, 404 no such run), at once: asking again would
 *   not help. Error when `attempts` reconnections in a row brought no event (server gone), naming the
 *   last `seq` to resume from. The signal's reason when `signal` aborts.
 */
export async function* followRunEvents(baseUrl: string, token: string, runId: string, options: FollowOptions = {}): AsyncGenerator<RunEvent> {
  const base = baseUrl.replace(/\/+$/, '');
  const { signal } = options;
  const attempts = options.attempts ?? 5;
  let after = options.after ?? 0;
  let failures = 0;
  for (;;) {
    signal?.throwIfAborted();
    let dropped: unknown;
    try {
      const url = `${base}/runs/${encodeURIComponent(runId)}/events?after=${after}`;
      const response = await fetch(url, { headers: { authorization: `Bearer ${token}`, accept: 'application/x-ndjson' }, ...(signal ? { signal } : {}) }).catch((error: unknown) => {
        throw signal?.aborted ? error : unreachable(base, error);
      });
      if (!response.ok) {
        const error = await apiErrorOf(response);
        if (response.status < 500) throw error;
        dropped = error;
      } else if (!response.body) {
        dropped = new Error('the event stream had no body');
      } else {
        for await (const line of lines(response.body)) {
          const event = JSON.parse(line) as RunEvent;
          // The server could not read the run's events: it says so in-band, then ends the stream.
          if (event.type === 'stream_error') {
            dropped = new Error(`the server reported: ${String(event.message)}`);
            break;
          }
          after = event.seq;
          failures = 0;
          yield event;
          if (event.type === 'run_finished') return;
        }
        dropped ??= new Error('the server ended the event stream before the run finished');
      }
    } catch (error) {
      if (signal?.aborted || error instanceof ApiError) throw error;
      dropped = error;
    }
    failures++;
    if (failures > attempts) {
      throw new Error(`lost the events of run ${runId} after seq ${after}, ${attempts} reconnections brought nothing (${message(dropped)}); the run goes on: follow it again with ?after=${after}`, { cause: dropped });
    }
    await wait(Math.min((options.retryDelayMs ?? 250) * 2 ** (failures - 1), 5_000), signal);
  }
}
