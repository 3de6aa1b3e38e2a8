/**
 * The signed-in session for the pages, and hooks that load from the API or call it: a refused token
 * (401) anywhere signs the user out with the server's reason; other errors stay on the page that
 * made the call.
 */
import type { SyncClient } from '@sync/api-client';
import { createContext } from 'preact';
import { useCallback, useContext, useEffect, useRef, useState } from 'preact/hooks';
import { isUnauthorized, messageOf, type Session } from './session.ts';

/** What the pages of a signed-in user share. */
export interface SessionContextValue {
  session: Session;
  /** Back to the sign-in form, with `reason` shown there (e.g. the token was refused). */
  signOut(reason?: string): void;
}

export const SessionContext = createContext<SessionContextValue | undefined>(undefined);

/**
 * The session of the signed-in user.
 *
 * @throws Error when used outside the signed-in part of the app (a bug).
 */
export function useSession(): SessionContextValue {
  const value = useContext(SessionContext);
  if (!value) throw new Error('useSession: no session (a page rendered before sign-in)');
  return value;
}

/** The state of a `useLoad`. */
export interface Loaded<T> {
  /** The last answer; kept while a reload runs, so the page does not flicker. */
  data: T | undefined;
  /** Why the last load failed. */
  error: string | undefined;
  reload(): void;
}

/**
 * Loads `load(client)` when `deps` change, and again every `refreshMs` while `refreshWhile(data)`
 * holds (a run in progress). The load's deps must be in `deps`.
 */
export function useLoad<T>(load: (client: SyncClient) => Promise<T>, deps: readonly unknown[], options: { refreshMs?: number; refreshWhile?: (data: T) => boolean } = {}): Loaded<T> {
  const { session, signOut } = useSession();
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<string | undefined>(undefined);
  const [version, setVersion] = useState(0);
  const latest = useRef({ load, options });
  latest.current = { load, options };
  useEffect(() => {
    let current = true;
    let timer: ReturnType<typeof setTimeout> | undefined;
    latest.current
      .load(session.client)
      .then((value) => {
        if (!current) return;
        setData(value);
        setError(undefined);
        const { refreshMs, refreshWhile } = latest.current.options;
        if (refreshMs !== undefined && (refreshWhile?.(value) ?? true)) timer = setTimeout(() => setVersion((v) => v + 1), refreshMs);
      })
      .catch((e: unknown) => {
        if (!current) return;
        if (isUnauthorized(e)) signOut(messageOf(e));
        else setError(messageOf(e));
      });
    return () => {
      current = false;
      clearTimeout(timer);
    };
    // The load itself is read from `latest`: the caller lists what it depends on in `deps`.
  }, [session, version, ...deps]);
  const reload = useCallback(() => setVersion((v) => v + 1), []);
  return { data, error, reload };
}

/** The state of a `useAction`: run a call on a button press, show what happened. */
export interface Action {
  /** True while a call runs (its button is disabled). */
  pending: boolean;
  /** What the last call did, for a status line. */
  notice: string | undefined;
  /** Why the last call failed. */
  error: string | undefined;
  /** Runs `call`; its result, if a string, becomes the notice. */
  run(call: (client: SyncClient) => Promise<string | void>): Promise<void>;
}

/** A call to the API made by a button, one at a time. */
export function useAction(): Action {
  const { session, signOut } = useSession();
  const [state, setState] = useState<{ pending: boolean; notice?: string; error?: string }>({ pending: false });
  const run = useCallback(
    async (call: (client: SyncClient) => Promise<string | void>) => {
      setState({ pending: true });
      try {
        const notice = await call(session.client);
        setState({ pending: false, ...(notice ? { notice } : {}) });
      } catch (e) {
        if (isUnauthorized(e)) signOut(messageOf(e));
        else setState({ pending: false, error: messageOf(e) });
      }
    },
    [session, signOut],
  );
  return { pending: state.pending, notice: state.notice, error: state.error, run };
}
