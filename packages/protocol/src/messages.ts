/**
 * Zod schemas of the Airbyte protocol messages, as they travel on the wire (snake_case field names,
 * except where Airbyte itself uses camelCase: `connectionStatus`, `sourceStats`, `destinationStats`,
 * `connectorConfig`).
 *
 * Source of every field: the Airbyte protocol, v0.3.2, `airbyte_protocol.yaml` in this package
 * (https://docs.airbyte.com/understanding-airbyte/airbyte-protocol). Each schema carries the name of
 * its definition there (`AirbyteStateMessage`, `AirbyteTraceMessage`, …); the two enums Airbyte
 * declares inline are `LogLevel` (`AirbyteLogMessage.level`) and `FailureType`
 * (`AirbyteErrorTraceMessage.failure_type`, the name Airbyte's own generated models give it).
 * Objects are loose: unknown fields pass through untouched, so newer connectors keep working.
 */
import * as z from 'zod';
import { AirbyteCatalog } from './catalog.ts';

/** Epoch milliseconds, as Airbyte uses for `emitted_at`. */
const epochMs = z.number().describe('Epoch time in milliseconds.');

/** Which stream a message is about: its name, and its namespace when the source uses one. */
export const StreamDescriptor = z.looseObject({
  name: z.string().describe('Stream name.'),
  namespace: z.string().optional().describe('Stream namespace, if the source uses one.'),
});
export type StreamDescriptor = z.infer<typeof StreamDescriptor>;

/** One record of a stream (the `record` of a RECORD message). */
export const AirbyteRecordMessage = z.looseObject({
  stream: z.string().describe('Stream the record belongs to.'),
  namespace: z.string().optional().describe('Namespace of the stream.'),
  data: z.record(z.string(), z.unknown()).describe('The record itself: a JSON object.'),
  emitted_at: z.number().int().describe('When the source emitted the record, epoch milliseconds.'),
  meta: z.looseObject({}).optional().describe('Changes made to the record mid-sync (truncation, nulling).'),
});
export type AirbyteRecordMessage = z.infer<typeof AirbyteRecordMessage>;

/** Record counts a STATE carries: the source's (`sourceStats`) and the destination's (`destinationStats`). */
export const AirbyteStateStats = z.looseObject({
  recordCount: z
    .number()
    .optional()
    .describe('Records of this stream emitted (source) or committed (destination) since the previous STATE.'),
  rejectedRecordCount: z.number().optional().describe('Records rejected since the previous STATE.'),
});
export type AirbyteStateStats = z.infer<typeof AirbyteStateStats>;

/** A connector's own state: a JSON object only the connector that wrote it reads. */
export const AirbyteStateBlob = z.record(z.string(), z.unknown()).describe('Opaque, connector-defined state.');
export type AirbyteStateBlob = z.infer<typeof AirbyteStateBlob>;

/** The state of one stream: its descriptor and its blob (a STREAM state, or one of a GLOBAL state's streams). */
export const AirbyteStreamState = z.looseObject({
  stream_descriptor: StreamDescriptor,
  stream_state: AirbyteStateBlob.optional(),
});
export type AirbyteStreamState = z.infer<typeof AirbyteStreamState>;

/** A GLOBAL state: what every stream shares (a CDC position) and each stream's own state. */
export const AirbyteGlobalState = z.looseObject({
  shared_state: AirbyteStateBlob.optional().describe('State shared by all streams (for example a CDC position).'),
  stream_states: z.array(AirbyteStreamState),
});
export type AirbyteGlobalState = z.infer<typeof AirbyteGlobalState>;

/** How a STATE is scoped: one stream, all streams at once, or the deprecated untyped blob. */
export const AirbyteStateType = z.enum(['STREAM', 'GLOBAL', 'LEGACY']);
export type AirbyteStateType = z.infer<typeof AirbyteStateType>;

/**
 * A checkpoint (the `state` of a STATE message; Airbyte protocol, "State & Checkpointing"): a source
 * emits it after the records it covers; a destination emits it back once those records are committed.
 */
export const AirbyteStateMessage = z.looseObject({
  type: AirbyteStateType.optional().describe('STREAM (per stream), GLOBAL, or LEGACY (only `data`); absent means LEGACY.'),
  stream: AirbyteStreamState.optional(),
  global: AirbyteGlobalState.optional(),
  data: z.record(z.string(), z.unknown()).optional().describe('Deprecated LEGACY state.'),
  sourceStats: AirbyteStateStats.optional(),
  destinationStats: AirbyteStateStats.optional(),
});
export type AirbyteStateMessage = z.infer<typeof AirbyteStateMessage>;

/** The level of a LOG message (`AirbyteLogMessage.level`). */
export const LogLevel = z.enum(['FATAL', 'ERROR', 'WARN', 'INFO', 'DEBUG', 'TRACE']);
export type LogLevel = z.infer<typeof LogLevel>;

/** A log line for the platform (the `log` of a LOG message). */
export const AirbyteLogMessage = z.looseObject({
  level: LogLevel,
  message: z.string(),
  stack_trace: z.string().optional(),
});
export type AirbyteLogMessage = z.infer<typeof AirbyteLogMessage>;

/**
 * Who must act on an error (`AirbyteErrorTraceMessage.failure_type`): `config_error` the user,
 * `transient_error` nobody (retry later), `system_error` a developer.
 */
export const FailureType = z.enum(['system_error', 'config_error', 'transient_error']);
export type FailureType = z.infer<typeof FailureType>;

/** A failure (the `error` of a TRACE ERROR message). */
export const AirbyteErrorTraceMessage = z.looseObject({
  message: z.string().describe('What went wrong, for a user.'),
  internal_message: z.string().optional().describe('The underlying error, for a developer.'),
  stack_trace: z.string().optional(),
  failure_type: FailureType.optional(),
  stream_descriptor: StreamDescriptor.optional(),
});
export type AirbyteErrorTraceMessage = z.infer<typeof AirbyteErrorTraceMessage>;

/** Where a stream is in a sync: started, read its first message, completed, or stopped short. */
export const AirbyteStreamStatus = z.enum(['STARTED', 'RUNNING', 'COMPLETE', 'INCOMPLETE']);
export type AirbyteStreamStatus = z.infer<typeof AirbyteStreamStatus>;

/** A stream's status (the `stream_status` of a TRACE STREAM_STATUS message). */
export const AirbyteStreamStatusTraceMessage = z.looseObject({
  stream_descriptor: StreamDescriptor,
  status: AirbyteStreamStatus,
  reasons: z.array(z.looseObject({ type: z.string() })).optional(),
});
export type AirbyteStreamStatusTraceMessage = z.infer<typeof AirbyteStreamStatusTraceMessage>;

/** How much a stream (or the whole sync) will produce (the `estimate` of a TRACE ESTIMATE message). */
export const AirbyteEstimateTraceMessage = z.looseObject({
  name: z.string().describe('Stream name.'),
  type: z.enum(['STREAM', 'SYNC']),
  namespace: z.string().optional(),
  row_estimate: z.number().int().optional().describe('Records expected in this sync.'),
  byte_estimate: z.number().int().optional().describe('Bytes expected in this sync.'),
});
export type AirbyteEstimateTraceMessage = z.infer<typeof AirbyteEstimateTraceMessage>;

/** A usage event of the connector (the `analytics` of a TRACE ANALYTICS message). */
export const AirbyteAnalyticsTraceMessage = z.looseObject({ type: z.string(), value: z.string().optional() });
export type AirbyteAnalyticsTraceMessage = z.infer<typeof AirbyteAnalyticsTraceMessage>;

/** What a connector says about its run (the `trace` of a TRACE message); `type` names the member that is set. */
export const AirbyteTraceMessage = z.looseObject({
  type: z.enum(['ERROR', 'ESTIMATE', 'STREAM_STATUS', 'ANALYTICS']),
  emitted_at: epochMs,
  error: AirbyteErrorTraceMessage.optional(),
  estimate: AirbyteEstimateTraceMessage.optional(),
  stream_status: AirbyteStreamStatusTraceMessage.optional(),
  analytics: AirbyteAnalyticsTraceMessage.optional(),
});
export type AirbyteTraceMessage = z.infer<typeof AirbyteTraceMessage>;

/** An updated connector config, for the platform to persist (the `connectorConfig` of a CONTROL message). */
export const AirbyteControlConnectorConfigMessage = z.looseObject({
  config: z.record(z.string(), z.unknown()).describe('The whole updated config, to be persisted.'),
});
export type AirbyteControlConnectorConfigMessage = z.infer<typeof AirbyteControlConnectorConfigMessage>;

/** A request from the connector to the platform (the `control` of a CONTROL message). */
export const AirbyteControlMessage = z.looseObject({
  type: z.literal('CONNECTOR_CONFIG'),
  emitted_at: epochMs,
  connectorConfig: AirbyteControlConnectorConfigMessage,
});
export type AirbyteControlMessage = z.infer<typeof AirbyteControlMessage>;

/** What `spec` prints: the JSON Schema of the connector's config, and what it supports. */
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

/** What `check` prints: whether the config can connect, and why not. */
export const AirbyteConnectionStatus = z.looseObject({
  status: z.enum(['SUCCEEDED', 'FAILED']),
  message: z.string().optional(),
});
export type AirbyteConnectionStatus = z.infer<typeof AirbyteConnectionStatus>;

/** The envelope of every line: `{"type": "RECORD", "record": {...}}`. */
export const AirbyteMessage = z.discriminatedUnion('type', [
  z.looseObject({ type: z.literal('RECORD'), record: AirbyteRecordMessage }),
  z.looseObject({ type: z.literal('STATE'), state: AirbyteStateMessage }),
  z.looseObject({ type: z.literal('LOG'), log: AirbyteLogMessage }),
  z.looseObject({ type: z.literal('TRACE'), trace: AirbyteTraceMessage }),
  z.looseObject({ type: z.literal('SPEC'), spec: ConnectorSpecification }),
  z.looseObject({ type: z.literal('CONNECTION_STATUS'), connectionStatus: AirbyteConnectionStatus }),
  z.looseObject({ type: z.literal('CATALOG'), catalog: AirbyteCatalog }),
  z.looseObject({ type: z.literal('CONTROL'), control: AirbyteControlMessage }),
]);
export type AirbyteMessage = z.infer<typeof AirbyteMessage>;
/** The `type` of an `AirbyteMessage`: which one member of the envelope is set. */
export type AirbyteMessageType = AirbyteMessage['type'];
/** The envelope of one type: `MessageOf<'STATE'>` is `{ type: 'STATE', state: AirbyteStateMessage }`. */
export type MessageOf<T extends AirbyteMessageType> = Extract<AirbyteMessage, { type: T }>;

/** Every `AirbyteMessageType` this package reads (DESTINATION_CATALOG, unused by this engine, is not one). */
export const AIRBYTE_MESSAGE_TYPES: readonly AirbyteMessageType[] = [
  'RECORD',
  'STATE',
  'LOG',
  'TRACE',
  'SPEC',
  'CONNECTION_STATUS',
  'CATALOG',
  'CONTROL',
];

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
