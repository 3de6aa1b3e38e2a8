/** Small pieces every page uses: times, statuses, messages, the page title. */
import type { ComponentChildren } from 'preact';
import { useEffect, useRef } from 'preact/hooks';
import { formatDateTime } from './format.ts';

/** A time from the API (ISO 8601, UTC) in the user's time zone; the exact instant in its tooltip. */
export function Time(props: { iso: string | null | undefined }) {
  if (!props.iso) return <span class="muted">—</span>;
  return (
    <time dateTime={props.iso} title={props.iso}>
      {formatDateTime(props.iso)}
    </time>
  );
}

/** A run's or stream's status as a coloured label (`succeeded`, `failed`, `running`, …). */
export function Status(props: { status: string }) {
  return <span class={`status status-${props.status.replace(/[^a-z_]/g, '')}`}>{props.status.replace('_', ' ')}</span>;
}

/** An error the user should read, announced by screen readers. */
export function ErrorNote(props: { message: string | undefined }) {
  if (!props.message) return null;
  return (
    <p class="error" role="alert">
      {props.message}
    </p>
  );
}

/** What an action did, announced politely. */
export function Notice(props: { message: string | undefined }) {
  return (
    <p class="notice" role="status">
      {props.message ?? ''}
    </p>
  );
}

/** A load in progress. */
export function Loading() {
  return (
    <p class="muted" role="status">
      Loading…
    </p>
  );
}

/** The page's title; it takes the focus when the page opens, so keyboard and screen-reader users start there. */
export function PageTitle(props: { children: ComponentChildren }) {
  const ref = useRef<HTMLHeadingElement>(null);
  useEffect(() => ref.current?.focus(), []);
  return (
    <h1 tabIndex={-1} ref={ref}>
      {props.children}
    </h1>
  );
}
