/**
 * Zod schemas of the Airbyte protocol messages, as they travel on the wire (snake_case field names,
 * except where Airbyte itself uses camelCase: `connectionStatus`, `sourceStats`, `destinationStats`,
 * `connectorConfig`).
 *
 * Source of every field: the Airbyte protocol, v0.3.2, `airbyte_protocol.yaml` in this package
 * (https://docs.airbyte.com/understanding-airbyte/airbyte-protocol). Objects are loose: unknown
 * fields pass through untouched, so newer connectors keep working.
 */
import { z } from 'zod';
import { AirbyteCatalog } from './catalog.ts';

/** Epoch milliseconds, as Airbyte uses for `emitted_at`. */
const epochMs = z.number().describe('Epoch time in milliseconds.');

export const StreamDescriptor = z.looseObject({
  name: z.string().describe('Stream name.'),
  namespace: z.string().optional().describe('Stream namespace, if the source uses one.'),
});
export type StreamDescriptor = z.infer<typeof StreamDescriptor>;

export const RecordMessage = z.looseObject({
  stream: z.string().describe('Stream the record belongs to.'),
  namespace: z.string().optional().describe('Namespace of the stream.'),
  data: z.record(z.string(), z.unknown()).describe('The record itself: a JSON object.'),
  emitted_at: z.number().int().describe('When the source emitted the record, epoch milliseconds.'),
  meta: z.looseObject({}).optional().describe('Changes made to the record mid-sync (truncation, nulling).'),
});
export type RecordMessage = z.infer<typeof RecordMessage>;

export const StateStats = z.looseObject({
  recordCount: z
    .number()
    .optional()
    .describe('Records of this stream emitted (source) or committed (destination) since the previous STATE.'),
  rejectedRecordCount: z.number().optional().describe('Records rejected since the previous STATE.'),
});
export type StateStats = z.infer<typeof StateStats>;

export const StateBlob = z.record(z.string(), z.unknown()).describe('Opaque, connector-defined state.');

export const StreamState = z.looseObject({
  stream_descriptor: StreamDescriptor,
  stream_state: StateBlob.optional(),
});
export type StreamState = z.infer<typeof StreamState>;

export const GlobalState = z.looseObject({
  shared_state: StateBlob.optional().describe('State shared by all streams (for example a CDC position).'),
  stream_states: z.array(StreamState),
});

export const StateType = z.enum(['STREAM', 'GLOBAL', 'LEGACY']);
export type StateType = z.infer<typeof StateType>;

export const StateMessage = z.looseObject({
  type: StateType.optional().describe('STREAM (per stream), GLOBAL, or LEGACY (only `data`); absent means LEGACY.'),
  stream: StreamState.optional(),
  global: GlobalState.optional(),
  data: z.record(z.string(), z.unknown()).optional().describe('Deprecated LEGACY state.'),
  sourceStats: StateStats.optional(),
  destinationStats: StateStats.optional(),
});
export type StateMessage = z.infer<typeof StateMessage>;

export const LogLevel = z.enum(['FATAL', 'ERROR', 'WARN', 'INFO', 'DEBUG', 'TRACE']);
export type LogLevel = z.infer<typeof LogLevel>;

export const LogMessage = z.looseObject({
  level: LogLevel,
  message: z.string(),
  stack_trace: z.string().optional(),
});
export type LogMessage = z.infer<typeof LogMessage>;

export const FailureType = z.enum(['system_error', 'config_error', 'transient_error']);
export type FailureType = z.infer<typeof FailureType>;

export const ErrorTrace = z.looseObject({
  message: z.string().describe('What went wrong, for a user.'),
  internal_message: z.string().optional().describe('The underlying error, for a developer.'),
  stack_trace: z.string().optional(),
  failure_type: FailureType.optional(),
  stream_descriptor: StreamDescriptor.optional(),
});
export type ErrorTrace = z.infer<typeof ErrorTrace>;

export const StreamStatus = z.enum(['STARTED', 'RUNNING', 'COMPLETE', 'INCOMPLETE']);
export type StreamStatus = z.infer<typeof StreamStatus>;

export const StreamStatusTrace = z.looseObject({
  stream_descriptor: StreamDescriptor,
  status: StreamStatus,
  reasons: z.array(z.looseObject({ type: z.string() })).optional(),
});

export const EstimateTrace = z.looseObject({
  name: z.string().describe('Stream name.'),
  type: z.enum(['STREAM', 'SYNC']),
  namespace: z.string().optional(),
  row_estimate: z.number().int().optional().describe('Records expected in this sync.'),
  byte_estimate: z.number().int().optional().describe('Bytes expected in this sync.'),
});

export const TraceMessage = z.looseObject({
  type: z.enum(['ERROR', 'ESTIMATE', 'STREAM_STATUS', 'ANALYTICS']),
  emitted_at: epochMs,
  error: ErrorTrace.optional(),
  estimate: EstimateTrace.optional(),
  stream_status: StreamStatusTrace.optional(),
  analytics: z.looseObject({ type: z.string() }).optional(),
});
export type TraceMessage = z.infer<typeof TraceMessage>;

export const ControlMessage = z.looseObject({
  type: z.literal('CONNECTOR_CONFIG'),
  emitted_at: epochMs,
  connectorConfig: z.looseObject({
    config: z.record(z.string(), z.unknown()).describe('The whole updated config, to be persisted.'),
  }),
});
export type ControlMessage = z.infer<typeof ControlMessage>;

export const ConnectorSpecification = z.looseObject({
  documentationUrl: z.string().optional(),
  changelogUrl: z.string().optional(),
  connectionSpecification: z
    .record(z.string(), z.unknown())
    .describe('JSON Schema of the connector config; secret fields carry `airbyte_secret: true`.'),
  supportsIncremental: z.boolean().optional(),
  supported_destination_sync_modes: z.array(z.string()).optional(),
  protocol_version: z.string().optional(),
});
export type ConnectorSpecification = z.infer<typeof ConnectorSpecification>;

export const ConnectionStatus = z.looseObject({
  status: z.enum(['SUCCEEDED', 'FAILED']),
  message: z.string().optional(),
});
export type ConnectionStatus = z.infer<typeof ConnectionStatus>;

/** The envelope of every line: `{"type": "RECORD", "record": {...}}`. */
export const AirbyteMessage = z.discriminatedUnion('type', [
  z.looseObject({ type: z.literal('RECORD'), record: RecordMessage }),
  z.looseObject({ type: z.literal('STATE'), state: StateMessage }),
  z.looseObject({ type: z.literal('LOG'), log: LogMessage }),
  z.looseObject({ type: z.literal('TRACE'), trace: TraceMessage }),
  z.looseObject({ type: z.literal('SPEC'), spec: ConnectorSpecification }),
  z.looseObject({ type: z.literal('CONNECTION_STATUS'), connectionStatus: ConnectionStatus }),
  z.looseObject({ type: z.literal('CATALOG'), catalog: AirbyteCatalog }),
  z.looseObject({ type: z.literal('CONTROL'), control: ControlMessage }),
]);
export type AirbyteMessage = z.infer<typeof AirbyteMessage>;
export type MessageType = AirbyteMessage['type'];
export type MessageOf<T extends MessageType> = Extract<AirbyteMessage, { type: T }>;

export const MESSAGE_TYPES: readonly MessageType[] = [
  'RECORD',
  'STATE',
  'LOG',
  'TRACE',
  'SPEC',
  'CONNECTION_STATUS',
  'CATALOG',
  'CONTROL',
];
