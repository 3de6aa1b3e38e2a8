/**
 * Constructors for the messages connectors emit, so connector code reads as what it means
 * (`record('customers', data)`) rather than as envelopes. Each returns an `AirbyteMessage` of
 * @sync/protocol, valid against Airbyte's schema (airbyte-messages.test.ts); `emitted_at` is epoch ms.
 */
import type {
  AirbyteCatalog,
  AirbyteConnectionStatus,
  AirbyteStreamStatus,
  ConnectorSpecification,
  FailureType,
  LogLevel,
  MessageOf,
} from '@sync/protocol';

/** A RECORD of `stream` (`data`: the record, a JSON object; `emittedAt`: epoch ms, default now). */
export function record(stream: string, data: Record<string, unknown>, emittedAt = Date.now()): MessageOf<'RECORD'> {
  return { type: 'RECORD', record: { stream, data, emitted_at: emittedAt } };
}

/**
 * A per-stream STATE checkpoint (Airbyte `AirbyteStateType.STREAM`).
 * @param recordCount records of this stream emitted since the previous STATE of this stream.
 */
export function streamState(stream: string, state: Record<string, unknown>, recordCount: number): MessageOf<'STATE'> {
  return {
    type: 'STATE',
    state: {
      type: 'STREAM',
      stream: { stream_descriptor: { name: stream }, stream_state: state },
      sourceStats: { recordCount },
    },
  };
}

/** A TRACE STREAM_STATUS: `stream` started, is running, completed, or stopped short (INCOMPLETE). */
export function streamStatus(stream: string, status: AirbyteStreamStatus): MessageOf<'TRACE'> {
  return {
    type: 'TRACE',
    trace: { type: 'STREAM_STATUS', emitted_at: Date.now(), stream_status: { stream_descriptor: { name: stream }, status } },
  };
}

/** A TRACE ESTIMATE: about `rowEstimate` records of `stream` in this sync (drives progress and ETA). */
export function estimate(stream: string, rowEstimate: number): MessageOf<'TRACE'> {
  return {
    type: 'TRACE',
    trace: { type: 'ESTIMATE', emitted_at: Date.now(), estimate: { name: stream, type: 'STREAM', row_estimate: rowEstimate } },
  };
}

/** A LOG message at `level` (the engine logs it with the connector's name). */
export function log(level: LogLevel, message: string): MessageOf<'LOG'> {
  return { type: 'LOG', log: { level, message } };
}

/**
 * A TRACE ERROR: `message` for the user; `failureType` (default system_error) says who must act;
 * `internalMessage` and `stackTrace` for a developer; `stream` when the failure is one stream's.
 */
export function errorTrace(
  message: string,
  options: { failureType?: FailureType; internalMessage?: string; stackTrace?: string; stream?: string } = {},
): MessageOf<'TRACE'> {
  return {
    type: 'TRACE',
    trace: {
      type: 'ERROR',
      emitted_at: Date.now(),
      error: {
        message,
        failure_type: options.failureType ?? 'system_error',
        ...(options.internalMessage ? { internal_message: options.internalMessage } : {}),
        ...(options.stackTrace ? { stack_trace: options.stackTrace } : {}),
        ...(options.stream ? { stream_descriptor: { name: options.stream } } : {}),
      },
    },
  };
}

/** A CONNECTION_STATUS, the answer to `check`. */
export function connectionStatus(status: AirbyteConnectionStatus): MessageOf<'CONNECTION_STATUS'> {
  return { type: 'CONNECTION_STATUS', connectionStatus: status };
}

/** A CATALOG, the answer to `discover`. */
export function catalogMessage(catalog: AirbyteCatalog): MessageOf<'CATALOG'> {
  return { type: 'CATALOG', catalog };
}

/** A SPEC, the answer to `spec`. */
export function specMessage(spec: ConnectorSpecification): MessageOf<'SPEC'> {
  return { type: 'SPEC', spec };
}

/** A CONTROL message asking the engine to persist an updated connector config. */
export function configUpdate(config: Record<string, unknown>): MessageOf<'CONTROL'> {
  return {
    type: 'CONTROL',
    control: { type: 'CONNECTOR_CONFIG', emitted_at: Date.now(), connectorConfig: { config } },
  };
}
