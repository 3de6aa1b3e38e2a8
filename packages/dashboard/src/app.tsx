/**
 * The dashboard: the sign-in form until a token is accepted, then the page the URL names (routes.ts)
 * inside the header and navigation.
 */
import type { ComponentChildren } from 'preact';
import { useCallback, useMemo, useState } from 'preact/hooks';
import { NewPipelinePage } from './pages/new-pipeline.tsx';
import { PipelinePage } from './pages/pipeline.tsx';
import { PipelinesPage } from './pages/pipelines.tsx';
import { RunPage } from './pages/run.tsx';
import { SignInPage } from './pages/sign-in.tsx';
import { Link, useRoute } from './router.tsx';
import { forgetToken, savedToken, sessionFor, type Session } from './session.ts';
import { PageTitle } from './components.tsx';
import { SessionContext, useSession } from './use-api.ts';

/** The whole dashboard: sign-in until a token is accepted (kept for the tab), then the pages. */
export function App() {
  const [session, setSession] = useState<Session | undefined>(() => {
    const token = savedToken();
    return token ? sessionFor(token) : undefined;
  });
  const [reason, setReason] = useState<string | undefined>(undefined);
  const signOut = useCallback((why?: string) => {
    forgetToken();
    setSession(undefined);
    setReason(why);
  }, []);
  const context = useMemo(() => (session ? { session, signOut } : undefined), [session, signOut]);
  if (!context) {
    return (
      <SignInPage
        reason={reason}
        onSignedIn={(signedIn) => {
          setReason(undefined);
          setSession(signedIn);
        }}
      />
    );
  }
  return (
    <SessionContext.Provider value={context}>
      <Layout>
        <CurrentPage />
      </Layout>
    </SessionContext.Provider>
  );
}

function Layout(props: { children: ComponentChildren }) {
  const { signOut } = useSession();
  return (
    <>
      <a class="skip" href="#main">
        Skip to content
      </a>
      <header class="top">
        <nav aria-label="Main">
          <Link to={{ page: 'pipelines' }} class="brand">
            sync
          </Link>
          <Link to={{ page: 'pipelines' }}>Pipelines</Link>
          <Link to={{ page: 'new-pipeline' }}>New pipeline</Link>
          <button type="button" class="link" onClick={() => signOut()}>
            Sign out
          </button>
        </nav>
      </header>
      <main id="main" tabIndex={-1}>
        {props.children}
      </main>
    </>
  );
}

function CurrentPage() {
  const route = useRoute();
  switch (route.page) {
    case 'pipelines':
      return <PipelinesPage />;
    case 'new-pipeline':
      return <NewPipelinePage />;
    case 'pipeline':
      return <PipelinePage key={route.id} id={route.id} />;
    case 'run':
      return <RunPage key={route.id} id={route.id} />;
    case 'not-found':
      return (
        <>
          <PageTitle>No such page</PageTitle>
          <p>
            Nothing is at <code>{route.path}</code>. <Link to={{ page: 'pipelines' }}>See the pipelines</Link>.
          </p>
        </>
      );
  }
}
