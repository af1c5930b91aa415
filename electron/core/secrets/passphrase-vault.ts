import { createCipheriv, createDecipheriv, createHmac, randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { CopperError, type SecretStoreStatus } from '../../../shared/contract';
import { writeFileAtomic, withFileLock } from './atomic-file';
import type { SecretStore } from './secret-store';

/*
 * Vault file format, version 1 (all integers big-endian). Changing any of this makes existing vaults unreadable:
 * add a new version instead.
 *
 *   magic      8  "CPRVAULT"
 *   version    1  = 1
 *   kdf        1  = 1 (scrypt)
 *   log2N      1  scrypt cost
 *   r          1
 *   p          1
 *   salt      16
 *   verifier  32  HMAC-SHA256(check key, "copper-vault-passphrase-check"): tells a wrong passphrase from a damaged file
 *   iv        12
 *   tag       16  AES-256-GCM tag; the header above is authenticated as additional data
 *   ciphertext …  AES-256-GCM of JSON {"secrets": {ref: value}}
 */
const MAGIC = Buffer.from('CPRVAULT');
const VERSION = 1;
const HEADER_LENGTH = 8 + 1 + 1 + 3 + 16 + 32;
const CHECK_LABEL = 'copper-vault-passphrase-check';

export interface VaultOptions {
  file: string;
  /** Asked once, the first time a secret is read or written. `creating` is true when no vault exists yet. */
  passphrase: (creating: boolean) => Promise<string | undefined>;
  /** scrypt cost as log2(N). 17 (128 MiB, ~0.3 s) by default; tests may lower it. Stored in the file, so reads follow it. */
  log2N?: number;
}

interface Keys {
  header: Buffer;
  encryptionKey: Buffer;
}

export class PassphraseVault implements SecretStore {
  private keys: Keys | undefined;
  private unlocking: Promise<Keys> | undefined;

  constructor(private readonly options: VaultOptions) {}

  status(): SecretStoreStatus {
    const exists = existsSync(this.options.file);
    return {
      kind: 'vault',
      state: this.keys ? 'unlocked' : exists ? 'locked' : 'absent',
      description: exists
        ? `Passphrase vault ${this.options.file} (scrypt + AES-256-GCM)`
        : `No vault yet: one is created at ${this.options.file} when the first secret is stored`,
    };
  }

  async get(ref: string): Promise<string | undefined> {
    if (!existsSync(this.options.file)) return undefined;
    const keys = await this.keysForFile();
    return this.readSecrets(keys)[ref];
  }

  async set(ref: string, value: string): Promise<void> {
    await this.update((secrets) => {
      secrets[ref] = value;
    });
  }

  async delete(ref: string): Promise<void> {
    if (!existsSync(this.options.file)) return;
    await this.update((secrets) => {
      delete secrets[ref];
    });
  }

  /** Re-reads the file under the lock before changing it, so concurrent console processes never lose each other's writes. */
  private async update(change: (secrets: Record<string, string>) => void): Promise<void> {
    const keys = await this.keysForFile();
    mkdirSync(dirname(this.options.file), { recursive: true, mode: 0o700 });
    await withFileLock(this.options.file, () => {
      const secrets = existsSync(this.options.file) ? this.readSecrets(keys) : {};
      change(secrets);
      writeFileAtomic(this.options.file, seal(keys, Buffer.from(JSON.stringify({ secrets }), 'utf8')));
    });
  }

  /** Asks for the passphrase now (if not yet) and checks it, so a shell can fail at start instead of mid-operation. */
  async unlock(): Promise<void> {
    await this.unlockKeys();
  }

  /**
   * Keys that fit the vault file as it is now. When another console process created or re-keyed the vault after this
   * one unlocked (e.g. the CLI stored the first secret while `copper serve` ran), derive again from the file's header.
   */
  private async keysForFile(): Promise<Keys> {
    const keys = await this.unlockKeys();
    if (!existsSync(this.options.file)) return keys;
    const header = readFileSync(this.options.file).subarray(0, HEADER_LENGTH);
    if (header.equals(keys.header)) return keys;
    this.keys = undefined;
    this.unlocking = undefined;
    return this.unlockKeys();
  }

  private unlockKeys(): Promise<Keys> {
    if (this.keys) return Promise.resolve(this.keys);
    this.unlocking ??= this.deriveKeys().then(
      (keys) => {
        this.keys = keys;
        return keys;
      },
      (error: unknown) => {
        this.unlocking = undefined;
        throw error;
      },
    );
    return this.unlocking;
  }

  private async deriveKeys(): Promise<Keys> {
    const creating = !existsSync(this.options.file);
    const passphrase = await this.options.passphrase(creating);
    if (passphrase === undefined) {
      throw new CopperError(
        'VAULT_LOCKED',
        'The secret vault is locked and no passphrase was given. Set COPPER_PASSPHRASE or run the command in a terminal to be asked.',
      );
    }
    if (creating) {
      if (passphrase.length < 8) {
        throw new CopperError('INVALID_INPUT', 'Choose a vault passphrase of at least 8 characters.');
      }
      const params = { log2N: this.options.log2N ?? 17, r: 8, p: 1, salt: randomBytes(16) };
      const { encryptionKey, checkKey } = await kdf(passphrase, params);
      const header = Buffer.concat([
        MAGIC,
        Buffer.from([VERSION, 1, params.log2N, params.r, params.p]),
        params.salt,
        createHmac('sha256', checkKey).update(CHECK_LABEL).digest(),
      ]);
      return { header, encryptionKey };
    }
    const file = readFileSync(this.options.file);
    const header = parseHeader(file, this.options.file);
    const { encryptionKey, checkKey } = await kdf(passphrase, header);
    const expected = createHmac('sha256', checkKey).update(CHECK_LABEL).digest();
    if (!timingSafeEqual(expected, header.verifier)) {
      throw new CopperError('VAULT_PASSPHRASE_WRONG', 'The vault passphrase is wrong. Nothing was changed; try again with the right passphrase.');
    }
    return { header: header.bytes, encryptionKey };
  }

  private readSecrets(keys: Keys): Record<string, string> {
    const file = readFileSync(this.options.file);
    const header = parseHeader(file, this.options.file);
    if (!header.bytes.equals(keys.header)) {
      // Another process re-created the vault with a new salt: our keys no longer fit, so ask again next time.
      this.keys = undefined;
      this.unlocking = undefined;
      throw new CopperError('VAULT_LOCKED', 'The vault file changed while this operation ran (another console process re-created it). Try again.');
    }
    const body = file.subarray(HEADER_LENGTH);
    try {
      const iv = body.subarray(0, 12);
      const tag = body.subarray(12, 28);
      const decipher = createDecipheriv('aes-256-gcm', keys.encryptionKey, iv);
      decipher.setAAD(header.bytes);
      decipher.setAuthTag(tag);
      const plain = Buffer.concat([decipher.update(body.subarray(28)), decipher.final()]);
      const parsed = JSON.parse(plain.toString('utf8')) as { secrets?: Record<string, string> };
      return { ...(parsed.secrets ?? {}) };
    } catch {
      throw new CopperError(
        'VAULT_CORRUPT',
        `The vault ${this.options.file} is damaged or was altered (its authentication check failed). It was left as it is; restore it from a backup.`,
      );
    }
  }
}

function seal(keys: Keys, plain: Buffer): Buffer {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', keys.encryptionKey, iv);
  cipher.setAAD(keys.header);
  const ciphertext = Buffer.concat([cipher.update(plain), cipher.final()]);
  return Buffer.concat([keys.header, iv, cipher.getAuthTag(), ciphertext]);
}

interface Header {
  bytes: Buffer;
  log2N: number;
  r: number;
  p: number;
  salt: Buffer;
  verifier: Buffer;
}

function parseHeader(file: Buffer, path: string): Header {
  const damaged = (why: string) =>
    new CopperError('VAULT_CORRUPT', `The vault ${path} cannot be read: ${why}. It was left as it is; restore it from a backup.`);
  if (file.length < HEADER_LENGTH + 28 || !file.subarray(0, 8).equals(MAGIC)) throw damaged('it is not a Copper vault file');
  const version = file[8];
  if (version !== VERSION) throw damaged(`it has format version ${version ?? '?'}, this console reads version ${VERSION}`);
  if (file[9] !== 1) throw damaged('it names an unknown key-derivation function');
  const log2N = file[10] ?? 0;
  const r = file[11] ?? 0;
  const p = file[12] ?? 0;
  if (log2N < 10 || log2N > 22 || r < 1 || r > 32 || p < 1 || p > 16) throw damaged('its key-derivation parameters are out of range');
  return {
    bytes: file.subarray(0, HEADER_LENGTH),
    log2N,
    r,
    p,
    salt: file.subarray(13, 29),
    verifier: file.subarray(29, HEADER_LENGTH),
  };
}

function kdf(
  passphrase: string,
  params: { log2N: number; r: number; p: number; salt: Buffer },
): Promise<{ encryptionKey: Buffer; checkKey: Buffer }> {
  const N = 2 ** params.log2N;
  return new Promise((resolve, reject) => {
    scrypt(
      passphrase.normalize('NFC'),
      params.salt,
      64,
      { N, r: params.r, p: params.p, maxmem: 256 * N * params.r + 16 * 1024 * 1024 },
      (error, key) => {
        if (error) reject(error);
        else resolve({ encryptionKey: key.subarray(0, 32), checkKey: key.subarray(32) });
      },
    );
  });
}
