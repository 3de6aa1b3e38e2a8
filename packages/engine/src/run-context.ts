/**
 * What the two halves of a running sync (the source pump and the acknowledgement reader) share.
 */
import type { AirbyteMessage, FailureType } from '@sync/protocol';
import type { CheckpointLedger } from './checkpoint-ledger.ts';
import { changedKeys } from './config-updates.ts';
import type { ConnectorProcess } from './connector-process.ts';
import type { ConnectorRole } from './connector-command.ts';
import type { StreamResult, SyncEvent, SyncFailure } from './events.ts';
import type { RunStore } from './run-store.ts';
import type { IdleTimer } from './idle-timer.ts';

/** Keeps the first failure seen; later ones are consequences of it (a killed peer, a closed pipe). */
export class FirstFailure {
  value: SyncFailure | undefined;
  add(message: string, failureType: FailureType, origin: SyncFailure['origin']): void {
    this.value ??= { message, failureType, origin };
  }
}

export interface RunContext {
  runId: string;
  pipelineId: string;
  store: RunStore;
  streams: Record<string, StreamResult>;
  mismatches: string[];
  ledger: CheckpointLedger;
  failures: FirstFailure;
  emit: (event: SyncEvent) => void;
  /** The config each connector was started with, with saved changes applied. */
  configs: Record<ConnectorRole, Record<string, unknown>>;
  /** Top-level fields kept per stream with a field selection (field-selection.ts); other streams are absent. */
  fields: ReadonlyMap<string, ReadonlySet<string>>;
  source: ConnectorProcess;
  destination: ConnectorProcess;
  /** Watchdogs on each connector, armed while the engine waits on it (see idle-timer.ts). */
  idle: Record<ConnectorRole, IdleTimer>;
}

export function errorTraceOf(message: AirbyteMessage): { message: string; failureType: FailureType } | undefined {
  if (message.type !== 'TRACE' || message.trace.type !== 'ERROR' || !message.trace.error) return undefined;
  return { message: message.trace.error.message, failureType: message.trace.error.failure_type ?? 'system_error' };
}

/**
 * Handles the messages both connectors may send that are for the engine alone: LOG becomes a log
 * event; CONTROL config changes are saved for the next runs (and announced). Any other message is
 * ignored here (a TRACE ERROR is not echoed: the caller makes it the run's failure, reported once).
 *
 * @throws Error from the store when a config change cannot be saved.
 */
export async function handleLogOrControl(context: RunContext, role: ConnectorRole, message: AirbyteMessage): Promise<void> {
  const connector = (role === 'source' ? context.source : context.destination).command.name;
  if (message.type === 'LOG') {
    context.emit({ type: 'log', role, connector, level: message.log.level, message: message.log.message });
  } else if (message.type === 'CONTROL') {
    const updated = message.control.connectorConfig.config;
    const changes = changedKeys(context.configs[role], updated);
    const keys = Object.keys(changes);
    if (keys.length === 0) return;
    await context.store.saveConfigUpdate(context.pipelineId, role, { connector, changes, runId: context.runId });
    context.configs[role] = { ...context.configs[role], ...changes };
    context.emit({ type: 'config_update', role, connector, keys, changes });
  }
}
