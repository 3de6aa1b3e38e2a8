/** The sign-in form: the API token, asked once per browser tab. */
import { useState } from 'preact/hooks';
import { ErrorNote, PageTitle } from '../components.tsx';
import { messageOf, signIn, type Session } from '../session.ts';

/** The token form; `reason` (why the last session ended, e.g. a refused token) is shown first. */
export function SignInPage(props: { reason: string | undefined; onSignedIn(session: Session): void }) {
  const [token, setToken] = useState('');
  const [error, setError] = useState(props.reason);
  const [pending, setPending] = useState(false);
  const submit = async (event: Event) => {
    event.preventDefault();
    setPending(true);
    setError(undefined);
    try {
      props.onSignedIn(await signIn(token));
    } catch (e) {
      setError(messageOf(e));
      setPending(false);
    }
  };
  return (
    <main id="main" class="sign-in">
      <PageTitle>Sign in to sync</PageTitle>
      <p>
        Paste this server's API token: its <code>SYNC_API_TOKEN</code>, or the token <code>sync serve</code> wrote to <code>$SYNC_HOME/api-token</code>. It is kept
        for this browser tab only.
      </p>
      <form onSubmit={submit} class="stack">
        <label for="token">API token</label>
        <input id="token" name="token" type="password" autocomplete="off" required value={token} onInput={(e) => setToken(e.currentTarget.value)} />
        <div>
          <button type="submit" disabled={pending || token.trim() === ''}>
            {pending ? 'Signing in…' : 'Sign in'}
          </button>
        </div>
      </form>
      <ErrorNote message={error} />
    </main>
  );
}
