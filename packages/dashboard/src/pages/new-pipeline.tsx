/**
 * A new pipeline, in four steps: the source and its config, the destination and its config (forms
 * generated from the connectors' specs), `check` of both, then the streams (`discover`) with their
 * sync modes and fields. The API checks and discovers stored pipelines, so the third step stores the
 * pipeline (`POST /pipelines`, every stream), and the last one sets its streams (`PATCH`); "Discard"
 * deletes it. Going back to a config and on changes it (`PATCH`).
 */
import { ApiError, bodyOf, type Pipeline, type components } from '@sync/api-client';
import type { ErrorSchema, RJSFSchema } from '@rjsf/utils';
import { useState } from 'preact/hooks';
import { streamConfigs, streamsOf, type DiscoveredStream, type StreamChoice } from '../catalog.ts';
import { ErrorNote, Loading, PageTitle, Status } from '../components.tsx';
import { ConfigForm, type Config } from '../config-form.tsx';
import { formErrorsOf } from '../config-ui.ts';
import { navigate } from '../router.tsx';
import { isUnauthorized, messageOf } from '../session.ts';
import { useLoad, useSession } from '../use-api.ts';
import { StreamPicker } from './stream-picker.tsx';

type Connector = components['schemas']['Connector'];
type CheckResult = components['schemas']['CheckResult'];
type Role = 'source' | 'destination';
type Step = 'source' | 'destination' | 'check' | 'streams';

const STEPS: { step: Step; title: string }[] = [
  { step: 'source', title: 'Source' },
  { step: 'destination', title: 'Destination' },
  { step: 'check', title: 'Check' },
  { step: 'streams', title: 'Streams' },
];

/** The connector of `role` named `name` and its config form's state. */
interface Side {
  name: string;
  config: Config;
  errors: ErrorSchema | undefined;
}

function ConnectorSelect(props: { role: Role; connectors: Connector[]; value: string; onChange(name: string): void }) {
  const options = props.connectors.filter((c) => c.role === props.role);
  return (
    <div class="field">
      <label for={`${props.role}-connector`}>{props.role === 'source' ? 'Source' : 'Destination'} connector</label>
      <select id={`${props.role}-connector`} value={props.value} onChange={(e) => props.onChange(e.currentTarget.value)}>
        {options.map((c) => (
          <option key={c.name} value={c.name} disabled={!c.spec}>
            {c.name}
            {!c.builtin ? ' (on the PATH)' : ''}
            {!c.spec ? ` (spec failed: ${c.error ?? 'unknown error'})` : ''}
          </option>
        ))}
      </select>
    </div>
  );
}

/** `/ui/new`: the four steps above, one at a time. */
export function NewPipelinePage() {
  const { session, signOut } = useSession();
  const connectors = useLoad(async (client) => bodyOf(await client.GET('/connectors')).data, []);
  const [step, setStep] = useState<Step>('source');
  const [source, setSource] = useState<Side>({ name: '', config: {}, errors: undefined });
  const [destination, setDestination] = useState<Side>({ name: '', config: {}, errors: undefined });
  const [pipelineId, setPipelineId] = useState('');
  const [cron, setCron] = useState('');
  const [draft, setDraft] = useState<Pipeline | undefined>(undefined);
  const [check, setCheck] = useState<CheckResult | undefined>(undefined);
  const [streams, setStreams] = useState<DiscoveredStream[] | undefined>(undefined);
  const [choices, setChoices] = useState<Map<string, StreamChoice>>(new Map());
  const [busy, setBusy] = useState<string | undefined>(undefined);
  const [error, setError] = useState<string | undefined>(undefined);

  const list = connectors.data ?? [];
  const specOf = (role: Role, name: string) => list.find((c) => c.role === role && c.name === name)?.spec as RJSFSchema | undefined;
  const firstOf = (role: Role, preferred: string) => (list.some((c) => c.role === role && c.name === preferred && c.spec) ? preferred : (list.find((c) => c.role === role && c.spec)?.name ?? ''));
  const sourceName = source.name || firstOf('source', 'stripe');
  const destinationName = destination.name || firstOf('destination', 'postgres');

  /** Runs a step's calls; a 400's field errors go to the config forms, the rest to the page. */
  const attempt = async (what: string, work: () => Promise<void>) => {
    setBusy(what);
    setError(undefined);
    try {
      await work();
    } catch (e) {
      if (isUnauthorized(e)) return signOut(messageOf(e));
      if (e instanceof ApiError && e.status === 400 && e.errors.length > 0) {
        const onSource = formErrorsOf(e.errors, '/source/config');
        const onDestination = formErrorsOf(onSource.other, '/destination/config');
        setSource((s) => ({ ...s, errors: onSource.errorSchema }));
        setDestination((d) => ({ ...d, errors: onDestination.errorSchema }));
        if (onSource.other.length < e.errors.length) setStep('source');
        else if (onDestination.other.length < onSource.other.length) setStep('destination');
      }
      setError(messageOf(e));
    } finally {
      setBusy(undefined);
    }
  };

  /** Stores the pipeline (or its changed configs), then checks and discovers. */
  const createAndCheck = () =>
    attempt('Storing the pipeline…', async () => {
      const configs = {
        source: { name: sourceName, config: source.config },
        destination: { name: destinationName, config: destination.config },
        schedule: cron.trim() ? { cron: cron.trim(), timezone: Intl.DateTimeFormat().resolvedOptions().timeZone, jitter_seconds: 0 } : null,
      };
      const stored = draft
        ? bodyOf(await session.client.PATCH('/pipelines/{id}', { params: { path: { id: draft.id } }, body: configs }))
        : bodyOf(await session.client.POST('/pipelines', { body: { ...(pipelineId.trim() ? { id: pipelineId.trim() } : {}), ...configs } }));
      setDraft(stored);
      await checkAndDiscover(stored.id);
    });

  const checkAndDiscover = async (id: string) => {
    setStep('check');
    setCheck(undefined);
    setBusy('Checking the connectors…');
    const result = bodyOf(await session.client.POST('/pipelines/{id}/check', { params: { path: { id } } }));
    setCheck(result);
    if (result.source.status !== 'SUCCEEDED' || result.destination.status !== 'SUCCEEDED') return;
    setBusy('Discovering the streams…');
    const catalog = bodyOf(await session.client.POST('/pipelines/{id}/discover', { params: { path: { id } } }));
    const found = streamsOf(catalog);
    setStreams(found);
    setChoices(new Map());
    setStep('streams');
  };

  const save = () =>
    attempt('Saving the streams…', async () => {
      if (!draft || !streams) return;
      const selected = streamConfigs(streams, choices);
      if (selected.length === 0) throw new Error('Select at least one stream.');
      await session.client.PATCH('/pipelines/{id}', { params: { path: { id: draft.id } }, body: { streams: selected } });
      navigate({ page: 'pipeline', id: draft.id }, { replace: true });
    });

  const discard = () =>
    attempt('Deleting the pipeline…', async () => {
      if (draft) await session.client.DELETE('/pipelines/{id}', { params: { path: { id: draft.id } } });
      navigate({ page: 'pipelines' }, { replace: true });
    });

  if (!connectors.data) {
    return (
      <>
        <PageTitle>New pipeline</PageTitle>
        {connectors.error ? <ErrorNote message={connectors.error} /> : <Loading />}
      </>
    );
  }
  const sourceSpec = specOf('source', sourceName);
  const destinationSpec = specOf('destination', destinationName);
  return (
    <>
      <PageTitle>New pipeline</PageTitle>
      <ol class="steps" aria-label="Steps">
        {STEPS.map((s, i) => (
          <li key={s.step} aria-current={s.step === step ? 'step' : undefined}>
            {i + 1}. {s.title}
          </li>
        ))}
      </ol>
      {draft && (
        <p class="muted">
          Stored as <code>{draft.id}</code> (all streams until you save your selection).
        </p>
      )}
      <ErrorNote message={error} />
      <p role="status" class="muted">
        {busy ?? ''}
      </p>

      {step === 'source' && (
        <section aria-label="Source">
          <h2>Source</h2>
          <ConnectorSelect role="source" connectors={list} value={sourceName} onChange={(name) => setSource({ name, config: {}, errors: undefined })} />
          {sourceSpec && (
            <ConfigForm
              key={sourceName}
              idPrefix="source"
              spec={sourceSpec}
              config={source.config}
              onChange={(config) => setSource((s) => ({ ...s, name: sourceName, config, errors: undefined }))}
              serverErrors={source.errors}
              onSubmit={() => setStep('destination')}
            >
              <div class="actions">
                <button type="submit">Next: destination</button>
                {draft && (
                  <button type="button" class="danger" onClick={discard} disabled={!!busy}>
                    Discard
                  </button>
                )}
              </div>
            </ConfigForm>
          )}
        </section>
      )}

      {step === 'destination' && (
        <section aria-label="Destination">
          <h2>Destination</h2>
          <ConnectorSelect role="destination" connectors={list} value={destinationName} onChange={(name) => setDestination({ name, config: {}, errors: undefined })} />
          {destinationSpec && (
            <ConfigForm
              key={destinationName}
              idPrefix="destination"
              spec={destinationSpec}
              config={destination.config}
              onChange={(config) => setDestination((d) => ({ ...d, name: destinationName, config, errors: undefined }))}
              serverErrors={destination.errors}
              onSubmit={createAndCheck}
            >
              <div class="field">
                <label for="schedule">Schedule</label>
                <input id="schedule" value={cron} onInput={(e) => setCron(e.currentTarget.value)} placeholder="*/30 * * * *" aria-describedby="schedule-help" />
                <p id="schedule-help" class="muted">
                  Optional: a cron expression (minute hour day month weekday), read in your time zone ({Intl.DateTimeFormat().resolvedOptions().timeZone}). Empty: runs start only from here or the API.
                </p>
              </div>
              {!draft && (
                <div class="field">
                  <label for="pipeline-id">Pipeline id</label>
                  <input id="pipeline-id" value={pipelineId} onInput={(e) => setPipelineId(e.currentTarget.value)} pattern="[a-z0-9][a-z0-9_\-]{0,62}" aria-describedby="pipeline-id-help" />
                  <p id="pipeline-id-help" class="muted">
                    Lower-case letters, digits, - and _. Empty: {sourceName}-{destinationName}.
                  </p>
                </div>
              )}
              <div class="actions">
                <button type="button" onClick={() => setStep('source')}>
                  Back
                </button>
                <button type="submit" disabled={!!busy}>
                  {draft ? 'Save and check' : 'Create and check'}
                </button>
              </div>
            </ConfigForm>
          )}
        </section>
      )}

      {(step === 'check' || (step === 'streams' && check)) && (
        <section aria-label="Check">
          <h2>Check</h2>
          {!check ? (
            <Loading />
          ) : (
            <ul class="checks">
              {(['source', 'destination'] as const).map((role) => (
                <li key={role} data-check={role}>
                  {role === 'source' ? sourceName : destinationName}: <Status status={check[role].status === 'SUCCEEDED' ? 'succeeded' : 'failed'} />
                  {check[role].message && <span class="check-message"> {check[role].message}</span>}
                </li>
              ))}
            </ul>
          )}
          {step === 'check' && draft && !busy && (
            <div class="actions">
              <button type="button" onClick={() => setStep('source')}>
                Edit source
              </button>
              <button type="button" onClick={() => setStep('destination')}>
                Edit destination
              </button>
              <button type="button" onClick={() => attempt('Checking the connectors…', () => checkAndDiscover(draft.id))}>
                Check again
              </button>
              <button type="button" class="danger" onClick={discard}>
                Discard
              </button>
            </div>
          )}
        </section>
      )}

      {step === 'streams' && streams && (
        <section aria-label="Streams">
          <h2>Streams</h2>
          <form
            onSubmit={(e) => {
              e.preventDefault();
              void save();
            }}
          >
            <StreamPicker streams={streams} choices={choices} onChange={setChoices} />
            <div class="actions">
              <button type="submit" disabled={!!busy}>
                Save pipeline
              </button>
              <button type="button" onClick={() => setStep('source')}>
                Edit configs
              </button>
              <button type="button" class="danger" onClick={discard} disabled={!!busy}>
                Discard
              </button>
            </div>
          </form>
        </section>
      )}
    </>
  );
}
