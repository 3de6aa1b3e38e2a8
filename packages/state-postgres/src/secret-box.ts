/**
 * Encryption at rest of the secrets the state store keeps (config values connectors hand over with
 * CONTROL messages: refreshed tokens). AES-256-GCM from node:crypto (an authenticated cipher: a
 * changed byte or a wrong key is an error, never garbage), with a versioned envelope that names the
 * key it was sealed with:
 *
 *     v1.<key id>.<iv>.<tag>.<ciphertext>      (iv 12 bytes, tag 16 bytes; base64url each)
 *
 * The key id is the first 8 bytes of sha256("sync-secret-key:" + key), in hex: it tells which key a
 * value needs without saying anything about the key. Each value is bound to where it is stored
 * (the additional authenticated data, e.g. `connector_config_updates:<pipeline>:<role>`), so a sealed
 * value copied to another row does not open.
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';

/** Key length of AES-256, in bytes. */
export const KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const VERSION = 'v1';
const HEX_KEY = /^[0-9a-f]{64}$/i;
const BASE64_KEY = /^[A-Za-z0-9+/_-]{43}=?$/;

/** A key is missing, wrong or malformed, or a sealed value is damaged. The message says what to do. */
export class SecretKeyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SecretKeyError';
  }
}

/** The id of a key (16 hex characters); safe to print. */
export function keyId(key: Buffer): string {
  return createHash('sha256').update('sync-secret-key:').update(key).digest('hex').slice(0, 16);
}

/**
 * Parses one key written as base64 (44 characters, `openssl rand -base64 32`) or hex (64
 * characters, `openssl rand -hex 32`).
 *
 * @param where names the key's origin in the error (`SYNC_SECRET_KEY`, a file path).
 * @throws SecretKeyError when it is not 32 bytes in either form.
 */
export function parseSecretKey(text: string, where: string): Buffer {
  const value = text.trim();
  if (HEX_KEY.test(value)) return Buffer.from(value, 'hex');
  if (BASE64_KEY.test(value)) return Buffer.from(value, 'base64'); // base64url's - and _ too
  throw new SecretKeyError(
    `${where} is not a secret key: expected 32 bytes as base64 or hex (make one with \`openssl rand -base64 32\`)`,
  );
}

/** A new random key, base64. */
export function generateSecretKey(): string {
  return randomBytes(KEY_BYTES).toString('base64');
}

const isSealed = (value: string) => value.startsWith(`${VERSION}.`);

/**
 * The keys the store can use: the first seals, every one opens. More than one only while a key
 * rotation is under way (the old key stays readable until every value is sealed with the new one).
 */
export class SecretKeyring {
  readonly #keys: Map<string, Buffer>;
  readonly #current: string;
  /** Where the keys came from, for messages (`SYNC_SECRET_KEY`, a file path). */
  readonly origin: string;

  /**
   * @param keys the current key first, then keys that may still be needed to open older values.
   * @throws SecretKeyError when `keys` is empty.
   */
  constructor(keys: readonly Buffer[], origin: string) {
    const [current] = keys;
    if (!current) throw new SecretKeyError(`${origin} holds no key`);
    this.#keys = new Map(keys.map((key) => [keyId(key), key]));
    this.#current = keyId(current);
    this.origin = origin;
  }

  /** The id of the key new values are sealed with. */
  get currentId(): string {
    return this.#current;
  }

  /** The ids of every key, current first. */
  get ids(): string[] {
    return [...this.#keys.keys()];
  }

  /** Seals `plaintext` (UTF-8) with the current key, bound to `context`. */
  seal(plaintext: string, context: string): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.#keys.get(this.#current)!, iv);
    cipher.setAAD(Buffer.from(context));
    const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    const parts = [iv, cipher.getAuthTag(), ciphertext].map((part) => part.toString('base64url'));
    return [VERSION, this.#current, ...parts].join('.');
  }

  /** The id of the key a sealed value needs. @throws SecretKeyError when `sealed` is no envelope. */
  static keyIdOf(sealed: string): string {
    const id = sealed.split('.')[1];
    if (!isSealed(sealed) || !id) throw new SecretKeyError('a stored secret is not in the v1 envelope format; it was changed outside sync');
    return id;
  }

  /**
   * Opens a value sealed by `seal` with the same `context`.
   *
   * @throws SecretKeyError when no key of the ring has the value's key id (the key was lost or
   *   another one is configured), or when the value or its context was changed.
   */
  open(sealed: string, context: string): string {
    const id = SecretKeyring.keyIdOf(sealed);
    const [, , iv, tag, ciphertext] = sealed.split('.');
    const key = this.#keys.get(id);
    if (!key) {
      throw new SecretKeyError(
        `${context} was encrypted with key ${id}, which ${this.origin} does not hold (it holds ${this.ids.join(', ')}): ` +
          'set SYNC_SECRET_KEY to the key used before, or restore the key file',
      );
    }
    try {
      const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv ?? '', 'base64url'));
      decipher.setAAD(Buffer.from(context));
      decipher.setAuthTag(Buffer.from(tag ?? '', 'base64url'));
      return Buffer.concat([decipher.update(Buffer.from(ciphertext ?? '', 'base64url')), decipher.final()]).toString('utf8');
    } catch {
      throw new SecretKeyError(`${context} does not decrypt with key ${id}: the stored value was changed or damaged`);
    }
  }
}
