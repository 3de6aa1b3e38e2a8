/**
 * A run's events, live: follows `GET /runs/{id}/events` (NDJSON over a streaming fetch, through
 * @sync/api-client's `followRunEvents`, which resumes after a dropped connection) and folds them into
 * a `RunProgress`. The page re-renders at most once per animation frame, however fast events come.
 */
import { followRunEvents } from '@sync/api-client';
import { useEffect, useRef, useState } from 'preact/hooks';
import { applyEvent, newProgress, type RunProgress } from './run-progress.ts';
import { isUnauthorized, messageOf } from './session.ts';
import { useSession } from './use-api.ts';

/** The state of `useRunEvents`. */
export interface RunEvents {
  /** Everything seen so far (the same object, updated in place; `version` tells a change). */
  progress: RunProgress;
  /** Counts the renders asked for by new events. */
  version: number;
  /** Why following stopped before the run's end (the server went away); `retry` follows again. */
  error: string | undefined;
  retry(): void;
}

/** Follows the events of run `runId` until its `run_finished`, or until the page closes. */
export function useRunEvents(runId: string): RunEvents {
  const { session, signOut } = useSession();
  const progress = useRef<RunProgress>(newProgress());
  const [version, setVersion] = useState(0);
  const [error, setError] = useState<string | undefined>(undefined);
  const [attempt, setAttempt] = useState(0);
  useEffect(() => {
    const abort = new AbortController();
    let frame: number | undefined;
    const render = () => {
      frame ??= requestAnimationFrame(() => {
        frame = undefined;
        setVersion((v) => v + 1);
      });
    };
    const follow = async () => {
      try {
        const events = followRunEvents(session.baseUrl, session.token, runId, { after: progress.current.lastSeq, signal: abort.signal });
        for await (const event of events) {
          applyEvent(progress.current, event);
          render();
        }
      } catch (e) {
        if (abort.signal.aborted) return;
        if (isUnauthorized(e)) signOut(messageOf(e));
        else setError(messageOf(e));
      }
    };
    void follow();
    return () => {
      abort.abort();
      if (frame !== undefined) cancelAnimationFrame(frame);
    };
  }, [runId, session, signOut, attempt]);
  return {
    progress: progress.current,
    version,
    error,
    retry: () => {
      setError(undefined);
      setAttempt((a) => a + 1);
    },
  };
}
