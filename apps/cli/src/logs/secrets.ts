/**
 * Secrets are found by the connectors' own specs, not by a list of names: every config property whose
 * JSON Schema carries `airbyte_secret: true` (Airbyte protocol, ConnectorSpecification), at any depth,
 * inside `oneOf`/`anyOf`/`allOf` branches and array items too. Their VALUES are then masked wherever
 * they appear in a log line, a connector's stderr or an error message.
 */
import { callConnector, type ConnectorCommand, type ConnectorRole } from '@sync/engine';
import { errorMessage } from '@sync/protocol';

/** What a redacted value is replaced with. */
export const REDACTED = '[REDACTED]';

type Json = Record<string, unknown>;
const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);

/** Every leaf (string, number) of a value that is secret as a whole, as strings. */
function leaves(value: unknown, out: Set<string>): void {
  if (typeof value === 'string' && value !== '') out.add(value);
  else if (typeof value === 'number' || typeof value === 'bigint') out.add(String(value));
  else if (Array.isArray(value)) for (const item of value) leaves(item, out);
  else if (isObject(value)) for (const item of Object.values(value)) leaves(item, out);
}

/**
 * The values in `config` that `schema` (a connector's `connectionSpecification`) marks as secret.
 * Walks the schema alongside the config, so a secret nested in an object, an array or one branch of
 * a `oneOf` (e.g. an auth method) is found.
 */
export function secretValues(schema: unknown, config: unknown, out: Set<string> = new Set()): Set<string> {
  if (!isObject(schema)) return out;
  if (schema.airbyte_secret === true) {
    leaves(config, out);
    return out;
  }
  for (const key of ['oneOf', 'anyOf', 'allOf'] as const) {
    const branches = schema[key];
    if (Array.isArray(branches)) for (const branch of branches) secretValues(branch, config, out);
  }
  if (isObject(config) && isObject(schema.properties)) {
    for (const [name, property] of Object.entries(schema.properties)) {
      if (name in config) secretValues(property, config[name], out);
    }
  }
  if (Array.isArray(config) && schema.items !== undefined) {
    for (const item of config) secretValues(schema.items, item, out);
  }
  return out;
}

/**
 * Runs `spec` on a connector and returns its `connectionSpecification`.
 *
 * @throws ConnectorFailure when the connector fails or prints no SPEC message.
 */
export async function connectionSpecification(command: ConnectorCommand, env?: NodeJS.ProcessEnv): Promise<unknown> {
  const messages = await callConnector(command, ['spec'], env);
  const spec = messages.find((m) => m.type === 'SPEC');
  if (spec?.type !== 'SPEC') throw new Error(`${command.name}: spec printed no SPEC message`);
  return spec.spec.connectionSpecification;
}

/**
 * The secrets of a run: the values its connectors' specs mark secret, in the configs given at the
 * start and in any config a connector changes mid-run (a CONTROL message with a refreshed token).
 */
export class RunSecrets {
  readonly #schemas = new Map<ConnectorRole, unknown>();
  readonly #values = new Set<string>();
  /** Masks every secret known so far; replaced each time one is added. */
  redact: Redact = (text) => text;

  /**
   * Reads each connector's spec and collects the secrets of its configs. A connector whose `spec`
   * fails yields none, and `onWarning` says so (the run itself will probably fail on the same problem).
   */
  static async collect(
    connectors: { role: ConnectorRole; command: ConnectorCommand; configs: unknown[] }[],
    onWarning: (message: string) => void,
    env?: NodeJS.ProcessEnv,
  ): Promise<RunSecrets> {
    const secrets = new RunSecrets();
    await Promise.all(
      connectors.map(async ({ role, command, configs }) => {
        try {
          secrets.#schemas.set(role, await connectionSpecification(command, env));
        } catch (error) {
          onWarning(`could not read the spec of ${command.name}, so its secrets cannot be masked in logs: ${errorMessage(error)}`);
        }
        for (const config of configs) secrets.addConfig(role, config);
      }),
    );
    return secrets;
  }

  /** Adds the secrets of a config (or the keys of it a connector changed) of the connector in `role`. */
  addConfig(role: ConnectorRole, config: unknown): void {
    const before = this.#values.size;
    secretValues(this.#schemas.get(role), config, this.#values);
    if (this.#values.size !== before) this.redact = createRedactor(this.#values);
  }
}

/** A function masking every given value, in the forms it takes inside text, JSON strings and URLs. */
export type Redact = (text: string) => string;

/**
 * Builds a redactor for `values`. Each value is masked as written, JSON-escaped (as it appears inside
 * a JSON log line) and percent-encoded (as it appears in a URL); longer values first, so a secret
 * containing another is masked whole.
 */
export function createRedactor(values: Iterable<string>): Redact {
  const forms = new Set<string>();
  for (const value of values) {
    if (value === '') continue;
    forms.add(value);
    forms.add(JSON.stringify(value).slice(1, -1));
    forms.add(encodeURIComponent(value));
  }
  const ordered = [...forms].sort((a, b) => b.length - a.length);
  if (ordered.length === 0) return (text) => text;
  return (text) => {
    let masked = text;
    for (const form of ordered) if (masked.includes(form)) masked = masked.split(form).join(REDACTED);
    return masked;
  };
}
