/**
 * Where the state store's secret key comes from: `SYNC_SECRET_KEY` when set (base64 or hex, 32
 * bytes; during a rotation `NEW,OLD`), else a key file (the CLI's is `$SYNC_HOME/secret.key`),
 * created with mode 0600 the first time a secret is stored. A malformed key, or a key file other
 * users can read, is an error; a missing key is never replaced by plaintext.
 *
 * Key file format: one key per line (base64), the current key first; lines starting with `#` are
 * comments. A second key is there only while `sync secrets rotate-key` runs.
 */
import { randomBytes } from 'node:crypto';
import { link, mkdir, readFile, rename, stat, unlink, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { generateSecretKey, parseSecretKey, SecretKeyError, SecretKeyring } from './secret-box.ts';

export interface SecretKeySource {
  /** Where the keys come from, for messages: `SYNC_SECRET_KEY` or the key file's path. */
  readonly origin: string;
  /** True when the keys come from the environment (which sync cannot rewrite). */
  readonly fromEnvironment: boolean;
  /**
   * The keys, or undefined when there is no key file yet (never creates one).
   * @throws SecretKeyError when a key is malformed or the key file is readable by others.
   */
  load(): Promise<SecretKeyring | undefined>;
  /** The keys, creating the key file with a new random key when there is none. @throws SecretKeyError as `load`. */
  loadOrCreate(): Promise<SecretKeyring>;
  /**
   * First step of a rotation: a key file gets a new current key, the old ones stay (so every value
   * still opens). From the environment, the keys are taken as they are: the user put the new key
   * first (`SYNC_SECRET_KEY=NEW,OLD`).
   */
  beginRotation(): Promise<SecretKeyring>;
  /** Last step of a rotation, once every value is sealed with the current key: drops the old keys from the file. */
  finishRotation(): Promise<void>;
}

const HEADER =
  '# sync secret key: encrypts the secrets kept in the state store. Keep this file (mode 0600) and back it up:\n' +
  '# without it, saved secrets cannot be read. The first key encrypts; others only decrypt, during a rotation.\n';

/** The keys in `text`: one per line or comma-separated, current first; `#` lines are comments. */
function keyLines(text: string): string[] {
  return text
    .split('\n')
    .filter((line) => !line.trim().startsWith('#'))
    .flatMap((line) => line.split(','))
    .map((key) => key.trim())
    .filter((key) => key !== '');
}

function keyringFrom(text: string, origin: string): SecretKeyring {
  return new SecretKeyring(keyLines(text).map((key) => parseSecretKey(key, origin)), origin);
}

/** Writes `keys` to a new file next to `file`, mode 0600, and returns its path. */
async function writeTemp(file: string, keys: readonly string[]): Promise<string> {
  await mkdir(dirname(file), { recursive: true, mode: 0o700 });
  const temp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  await writeFile(temp, `${HEADER}${keys.join('\n')}\n`, { mode: 0o600, flag: 'wx' });
  return temp;
}

/**
 * The key source of the state store.
 *
 * @param options.value `SYNC_SECRET_KEY` (one key, or `NEW,OLD` during a rotation); used when set.
 * @param options.file the key file used otherwise.
 */
export function secretKeySource(options: { value?: string | undefined; file: string }): SecretKeySource {
  const { value, file } = options;
  if (value !== undefined && value.trim() !== '') {
    const origin = 'SYNC_SECRET_KEY';
    const keyring = keyringFrom(value, origin); // malformed: fail now, before anything runs
    return {
      origin,
      fromEnvironment: true,
      load: async () => keyring,
      loadOrCreate: async () => keyring,
      beginRotation: async () => keyring,
      finishRotation: async () => {},
    };
  }

  const read = async (): Promise<{ keyring: SecretKeyring; lines: string[] } | undefined> => {
    let text: string;
    try {
      const info = await stat(file);
      if ((info.mode & 0o077) !== 0) {
        throw new SecretKeyError(`the key file ${file} can be read by other users (mode ${(info.mode & 0o777).toString(8)}): run \`chmod 600 ${file}\``);
      }
      text = await readFile(file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
    return { keyring: keyringFrom(text, file), lines: keyLines(text) };
  };

  return {
    origin: file,
    fromEnvironment: false,
    load: async () => (await read())?.keyring,
    async loadOrCreate() {
      const existing = await read();
      if (existing) return existing.keyring;
      // Created whole or not at all: link() fails if another process created the file first.
      const temp = await writeTemp(file, [generateSecretKey()]);
      try {
        await link(temp, file);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      } finally {
        await unlink(temp).catch(() => {});
      }
      return (await read())!.keyring;
    },
    async beginRotation() {
      const existing = await read();
      // A rotation that was interrupted has its new key first already: finish that one.
      if (existing && existing.lines.length > 1) return existing.keyring;
      const temp = await writeTemp(file, [generateSecretKey(), ...(existing?.lines ?? [])]);
      await rename(temp, file);
      return (await read())!.keyring;
    },
    async finishRotation() {
      const existing = await read();
      const current = existing?.lines[0];
      if (!current || existing.lines.length === 1) return;
      await rename(await writeTemp(file, [current]), file);
    },
  };
}
