/**
 * A new pipeline, in four steps: the source and its config, the destination and its config (forms
 * generated from the connectors' specs), `check` of both configs and `discover` of the source's
 * streams (`POST /connectors/{role}/{name}/check`, `POST /connectors/source/{name}/discover`: the
 * configs are tried, not stored), then the streams with their sync modes and fields, the schedule and
 * the id. Nothing is stored until "Save pipeline" (`POST /pipelines` with the streams chosen), so
 * leaving the page at any step leaves nothing behind.
 */
import { ApiError, bodyOf, type components } from '@sync/api-client';
import type { ErrorSchema, RJSFSchema } from '@rjsf/utils';
import { useEffect, useRef, useState } from 'preact/hooks';
import { streamConfigs, streamsOf, type DiscoveredStream, type StreamChoice } from '../catalog.ts';
import { ErrorNote, Loading, PageTitle, Status } from '../components.tsx';
import { ConfigForm, type Config } from '../config-form.tsx';
import { formErrorsOf } from '../config-ui.ts';
import { navigate } from '../router.tsx';
import { isUnauthorized, messageOf } from '../session.ts';
import { useLoad, useSession } from '../use-api.ts';
import { StreamPicker } from './stream-picker.tsx';

type Connector = components['schemas']['Connector'];
type ConnectionStatus = components['schemas']['ConnectionStatus'];
type Role = 'source' | 'destination';
type Step = 'source' | 'destination' | 'check' | 'streams';

const ROLES = ['source', 'destination'] as const;
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

/** A step's heading; the page moves the focus to it when the step opens (the one before is gone). */
function StepHeading(props: { step: Step; title: string }) {
  return (
    <h2 id={`step-${props.step}`} tabIndex={-1}>
      {props.title}
    </h2>
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
  const [checks, setChecks] = useState<Record<Role, ConnectionStatus> | undefined>(undefined);
  const [streams, setStreams] = useState<DiscoveredStream[] | undefined>(undefined);
  const [choices, setChoices] = useState<Map<string, StreamChoice>>(new Map());
  const [busy, setBusy] = useState<string | undefined>(undefined);
  const [error, setError] = useState<string | undefined>(undefined);

  // A new step replaces the one before (and the button that opened it): keyboard and screen-reader
  // users continue from its heading. The first step starts at the page's title instead.
  const opened = useRef(false);
  useEffect(() => {
    if (opened.current) document.getElementById(`step-${step}`)?.focus();
    opened.current = true;
  }, [step]);

  const list = connectors.data ?? [];
  const specOf = (role: Role, name: string) => list.find((c) => c.role === role && c.name === name)?.spec as RJSFSchema | undefined;
  const firstOf = (role: Role, preferred: string) => (list.some((c) => c.role === role && c.name === preferred && c.spec) ? preferred : (list.find((c) => c.role === role && c.spec)?.name ?? ''));
  const sourceName = source.name || firstOf('source', 'stripe');
  const destinationName = destination.name || firstOf('destination', 'postgres');
  const tried = { source: { name: sourceName, config: source.config }, destination: { name: destinationName, config: destination.config } };

  /**
   * Runs a step's calls, one at a time (a press while they run is ignored: the buttons stay enabled,
   * so the focus stays on them); a 400's field errors on a config go to its form (and back to that
   * step), the rest to the page.
   */
  const running = useRef(false);
  const attempt = async (what: string, work: () => Promise<void>) => {
    if (running.current) return;
    running.current = true;
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
      running.current = false;
      setBusy(undefined);
    }
  };

  /** Checks both configs as they are in the forms; when both pass, discovers the source's streams. Stores nothing. */
  const checkAndDiscover = () =>
    attempt('Checking the connectors…', async () => {
      setStep('check');
      // "Check again" hides itself while the checks run: the focus goes to the step's heading.
      if (step === 'check') document.getElementById('step-check')?.focus();
      setChecks(undefined);
      setStreams(undefined);
      const [sourceCheck, destinationCheck] = await Promise.all(
        ROLES.map(async (role) => bodyOf(await session.client.POST('/connectors/{role}/{name}/check', { params: { path: { role, name: tried[role].name } }, body: { config: tried[role].config } }))),
      );
      const result = { source: sourceCheck!, destination: destinationCheck! };
      setChecks(result);
      if (result.source.status !== 'SUCCEEDED' || result.destination.status !== 'SUCCEEDED') return;
      setBusy('Discovering the streams…');
      const catalog = bodyOf(await session.client.POST('/connectors/source/{name}/discover', { params: { path: { name: sourceName } }, body: { config: source.config } }));
      setStreams(streamsOf(catalog));
      setStep('streams');
    });

  /** Stores the pipeline, with the streams chosen and the schedule, and opens it. */
  const save = () =>
    attempt('Saving the pipeline…', async () => {
      if (!streams) return;
      const selected = streamConfigs(streams, choices);
      if (selected.length === 0) throw new Error('Select at least one stream.');
      const stored = bodyOf(
        await session.client.POST('/pipelines', {
          body: {
            ...(pipelineId.trim() ? { id: pipelineId.trim() } : {}),
            ...tried,
            streams: selected,
            schedule: cron.trim() ? { cron: cron.trim(), timezone: Intl.DateTimeFormat().resolvedOptions().timeZone, jitter_seconds: 0 } : null,
          },
        }),
      );
      navigate({ page: 'pipeline', id: stored.id }, { replace: true });
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
  const passed = checks?.source.status === 'SUCCEEDED' && checks.destination.status === 'SUCCEEDED';
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
      <p class="muted">Nothing is stored until you save the pipeline at the last step.</p>

      {step === 'source' && (
        <section aria-labelledby="step-source">
          <StepHeading step="source" title="Source" />
          <ConnectorSelect
            role="source"
            connectors={list}
            value={sourceName}
            onChange={(name) => {
              setSource({ name, config: {}, errors: undefined });
              setChoices(new Map());
            }}
          />
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
              </div>
            </ConfigForm>
          )}
        </section>
      )}

      {step === 'destination' && (
        <section aria-labelledby="step-destination">
          <StepHeading step="destination" title="Destination" />
          <ConnectorSelect role="destination" connectors={list} value={destinationName} onChange={(name) => setDestination({ name, config: {}, errors: undefined })} />
          {destinationSpec && (
            <ConfigForm
              key={destinationName}
              idPrefix="destination"
              spec={destinationSpec}
              config={destination.config}
              onChange={(config) => setDestination((d) => ({ ...d, name: destinationName, config, errors: undefined }))}
              serverErrors={destination.errors}
              onSubmit={checkAndDiscover}
            >
              <div class="actions">
                <button type="button" onClick={() => setStep('source')}>
                  Back
                </button>
                <button type="submit">
                  Next: check
                </button>
              </div>
            </ConfigForm>
          )}
        </section>
      )}

      {(step === 'check' || (step === 'streams' && checks)) && (
        <section aria-labelledby="step-check">
          <StepHeading step="check" title="Check" />
          {checks && (
            <ul class="checks">
              {ROLES.map((role) => (
                <li key={role} data-check={role}>
                  {tried[role].name}: <Status status={checks[role].status === 'SUCCEEDED' ? 'succeeded' : 'failed'} />
                  {checks[role].message && <span class="check-message"> {checks[role].message}</span>}
                </li>
              ))}
            </ul>
          )}
          {step === 'check' && !busy && (
            <>
              {checks && !passed && <p>Correct the config that failed, then check again. Nothing was stored.</p>}
              <div class="actions">
                <button type="button" onClick={() => setStep('source')}>
                  Edit source
                </button>
                <button type="button" onClick={() => setStep('destination')}>
                  Edit destination
                </button>
                <button type="button" onClick={checkAndDiscover}>
                  Check again
                </button>
              </div>
            </>
          )}
        </section>
      )}

      {step === 'streams' && streams && (
        <section aria-labelledby="step-streams">
          <StepHeading step="streams" title="Streams" />
          <form
            onSubmit={(e) => {
              e.preventDefault();
              void save();
            }}
          >
            <StreamPicker streams={streams} choices={choices} onChange={setChoices} />
            <div class="field">
              <label for="schedule">Schedule</label>
              <input id="schedule" value={cron} onInput={(e) => setCron(e.currentTarget.value)} placeholder="*/30 * * * *" aria-describedby="schedule-help" />
              <p id="schedule-help" class="muted">
                Optional: a cron expression (minute hour day month weekday), read in your time zone ({Intl.DateTimeFormat().resolvedOptions().timeZone}). Empty: runs start only from here or the API.
              </p>
            </div>
            <div class="field">
              <label for="pipeline-id">Pipeline id</label>
              <input id="pipeline-id" value={pipelineId} onInput={(e) => setPipelineId(e.currentTarget.value)} pattern="[a-z0-9][a-z0-9_\-]{0,62}" aria-describedby="pipeline-id-help" />
              <p id="pipeline-id-help" class="muted">
                Lower-case letters, digits, - and _. Empty: {sourceName}-{destinationName} (with a number added when taken).
              </p>
            </div>
            <div class="actions">
              <button type="submit">
                Save pipeline
              </button>
              <button type="button" onClick={() => setStep('source')}>
                Edit configs
              </button>
            </div>
          </form>
        </section>
      )}

      <ErrorNote message={error} />
      <p role="status" class="muted">
        {busy ?? ''}
      </p>
    </>
  );
}
