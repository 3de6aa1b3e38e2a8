/** The streams step of a new pipeline: which streams to sync, each one's sync mode and fields. */
import { useState } from 'preact/hooks';
import { defaultChoice, type DiscoveredStream, type StreamChoice } from '../catalog.ts';

/** The discovered `streams` with checkboxes, a sync mode and fields each; `choices` holds what was changed from the defaults. */
export function StreamPicker(props: { streams: DiscoveredStream[]; choices: ReadonlyMap<string, StreamChoice>; onChange(choices: Map<string, StreamChoice>): void }) {
  const [filter, setFilter] = useState('');
  const [open, setOpen] = useState<ReadonlySet<string>>(new Set());
  const choiceOf = (stream: DiscoveredStream) => props.choices.get(stream.name) ?? defaultChoice(stream);
  const update = (stream: DiscoveredStream, change: Partial<StreamChoice>) => props.onChange(new Map(props.choices).set(stream.name, { ...choiceOf(stream), ...change }));
  const selectAll = (selected: boolean) => props.onChange(new Map(props.streams.map((s) => [s.name, { ...choiceOf(s), selected }])));
  const toggleField = (stream: DiscoveredStream, field: string, on: boolean) => {
    const fields = new Set(choiceOf(stream).fields);
    if (on) fields.add(field);
    else fields.delete(field);
    update(stream, { fields });
  };
  const shown = props.streams.filter((s) => s.name.includes(filter.trim().toLowerCase()));
  const selected = props.streams.filter((s) => choiceOf(s).selected).length;
  return (
    <fieldset class="streams">
      <legend>Streams</legend>
      <div class="actions">
        <button type="button" class="small" onClick={() => selectAll(true)}>
          Select all
        </button>
        <button type="button" class="small" onClick={() => selectAll(false)}>
          Select none
        </button>
        <label class="inline">
          Filter{' '}
          <input
            type="search"
            value={filter}
            onInput={(e) => setFilter(e.currentTarget.value)}
            // Enter in the filter filters; it does not submit the form around the picker (which saves).
            onKeyDown={(e) => {
              if (e.key === 'Enter') e.preventDefault();
            }}
          />
        </label>
      </div>
      <p role="status">
        {selected} of {props.streams.length} streams selected
      </p>
      <ul class="stream-list">
        {shown.map((stream) => {
          const choice = choiceOf(stream);
          const fieldsKept = stream.fields.filter((f) => choice.fields.has(f) || stream.requiredFields.includes(f)).length;
          return (
            <li key={stream.name} data-stream={stream.name}>
              <label class="stream-name">
                <input type="checkbox" checked={choice.selected} onChange={(e) => update(stream, { selected: e.currentTarget.checked })} /> {stream.name}
              </label>
              {choice.selected && (
                <div class="stream-options">
                  <label class="inline">
                    Sync mode{' '}
                    <select value={choice.syncMode} onChange={(e) => update(stream, { syncMode: e.currentTarget.value as StreamChoice['syncMode'] })}>
                      <option value="">default ({stream.supportedSyncModes.includes('incremental') ? 'incremental' : 'full refresh'})</option>
                      {stream.supportedSyncModes.map((mode) => (
                        <option key={mode} value={mode}>
                          {mode.replace('_', ' ')}
                        </option>
                      ))}
                    </select>
                  </label>
                  {stream.fields.length > 0 && (
                    <details
                      open={open.has(stream.name)}
                      onToggle={(e) => {
                        const next = new Set(open);
                        if (e.currentTarget.open) next.add(stream.name);
                        else next.delete(stream.name);
                        setOpen(next);
                      }}
                    >
                      <summary>
                        Fields: {fieldsKept} of {stream.fields.length}
                      </summary>
                      {open.has(stream.name) && (
                        <ul class="field-list">
                          {stream.fields.map((field) => {
                            const required = stream.requiredFields.includes(field);
                            return (
                              <li key={field}>
                                <label>
                                  <input type="checkbox" checked={required || choice.fields.has(field)} disabled={required} onChange={(e) => toggleField(stream, field, e.currentTarget.checked)} />{' '}
                                  {field}
                                  {required && <span class="muted"> (key or cursor: always synced)</span>}
                                </label>
                              </li>
                            );
                          })}
                        </ul>
                      )}
                    </details>
                  )}
                </div>
              )}
            </li>
          );
        })}
      </ul>
    </fieldset>
  );
}
