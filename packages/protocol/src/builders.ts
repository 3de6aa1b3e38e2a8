/**
 * Constructors for the messages connectors emit, so connector code reads as what it means
 * (`record('customers', data)`) rather than as envelopes.
 */
import type {
  AirbyteMessage,
  ConnectionStatus,
  FailureType,
  LogLevel,
  MessageOf,
  StreamStatus,
} from './messages.ts';
import type { AirbyteCatalog } from './catalog.ts';
import type { ConnectorSpecification } from './messages.ts';

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

export function streamStatus(stream: string, status: StreamStatus): MessageOf<'TRACE'> {
  return {
    type: 'TRACE',
    trace: { type: 'STREAM_STATUS', emitted_at: Date.now(), stream_status: { stream_descriptor: { name: stream }, status } },
  };
}

export function estimate(stream: string, rowEstimate: number): MessageOf<'TRACE'> {
  return {
    type: 'TRACE',
    trace: { type: 'ESTIMATE', emitted_at: Date.now(), estimate: { name: stream, type: 'STREAM', row_estimate: rowEstimate } },
  };
}

export function log(level: LogLevel, message: string): MessageOf<'LOG'> {
  return { type: 'LOG', log: { level, message } };
}

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

export function connectionStatus(status: ConnectionStatus): MessageOf<'CONNECTION_STATUS'> {
  return { type: 'CONNECTION_STATUS', connectionStatus: status };
}

export function catalogMessage(catalog: AirbyteCatalog): MessageOf<'CATALOG'> {
  return { type: 'CATALOG', catalog };
}

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

/** The stream a message is about, when it is about one: RECORD, per-stream STATE, stream TRACE. */
export function streamOf(message: AirbyteMessage): string | undefined {
  switch (message.type) {
    case 'RECORD':
      return message.record.stream;
    case 'STATE':
      return message.state.stream?.stream_descriptor.name;
    case 'TRACE':
      return (
        message.trace.stream_status?.stream_descriptor.name ??
        message.trace.error?.stream_descriptor?.name ??
        message.trace.estimate?.name
      );
    default:
      return undefined;
  }
}
