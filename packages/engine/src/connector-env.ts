/**
 * The environment a connector process gets: an allow-list, not the engine's whole environment. A
 * connector, third-party ones included (`python3 my_source.py`), never sees the state store's
 * `DATABASE_URL`, an API key or cloud credentials of the process that runs it, unless the user
 * passes that variable on purpose (`sync run --pass-env NAME`). Connectors get their settings from
 * the config file the engine writes (mode 0600), as the Airbyte protocol intends.
 */

/** Variables every connector gets when set: what a program needs to run, find files and format text. */
export const ALLOWED_ENV = ['PATH', 'HOME', 'LANG', 'TZ', 'TMPDIR'] as const;
/** Locale categories (`LC_ALL`, `LC_CTYPE`, …) are allowed too. */
const LOCALE = /^LC_[A-Z_]+$/;
const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * The allow-listed variables of `env`, plus those named in `pass` that are set.
 *
 * @param env the environment to pick from, usually `process.env`.
 * @param pass names of further variables to pass on (`--pass-env`).
 * @returns a new environment object; `env` is not changed.
 * @throws Error when a name in `pass` is not a valid variable name (say `--pass-env A,B`, not `A B`).
 */
export function connectorEnvironment(env: NodeJS.ProcessEnv, pass: readonly string[] = []): NodeJS.ProcessEnv {
  for (const name of pass) {
    if (!NAME.test(name)) {
      throw new Error(`cannot pass ${JSON.stringify(name)} to the connectors: not an environment variable name (letters, digits and _)`);
    }
  }
  const allowed = new Set<string>([...ALLOWED_ENV, ...pass]);
  const picked: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(env)) {
    if (value !== undefined && (allowed.has(name) || LOCALE.test(name))) picked[name] = value;
  }
  return picked;
}
