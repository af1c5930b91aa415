import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { CopperError, type SecretStoreStatus } from '../../../shared/contract';
import { writeFileAtomic, withFileLock } from './atomic-file';
import type { SecretStore } from './secret-store';

/** Encrypts and decrypts with a key the operating system keeps (Electron's safeStorage: DPAPI, Keychain, libsecret). */
export interface OsSealer {
  available(): boolean;
  seal(plain: string): Buffer;
  open(sealed: Buffer): string;
  describe(): string;
}

/*
 * File format: "CPROSSEC" magic, version byte 1, then the OS-sealed JSON {"secrets": {ref: value}}. The OS sealer
 * authenticates; a file it cannot open is reported as damaged and left untouched.
 */
const MAGIC = Buffer.from('CPROSSEC');

export class SealedFileSecretStore implements SecretStore {
  constructor(
    private readonly file: string,
    private readonly sealer: OsSealer,
  ) {}

  status(): SecretStoreStatus {
    if (!this.sealer.available()) {
      return { kind: 'os', state: 'unavailable', description: this.sealer.describe() };
    }
    return {
      kind: 'os',
      state: existsSync(this.file) ? 'unlocked' : 'absent',
      description: `${this.sealer.describe()}, in ${this.file}`,
    };
  }

  async get(ref: string): Promise<string | undefined> {
    return this.read()[ref];
  }

  async set(ref: string, value: string): Promise<void> {
    await this.update((secrets) => {
      secrets[ref] = value;
    });
  }

  async delete(ref: string): Promise<void> {
    if (!existsSync(this.file)) return;
    await this.update((secrets) => {
      delete secrets[ref];
    });
  }

  private async update(change: (secrets: Record<string, string>) => void): Promise<void> {
    this.requireSealer();
    mkdirSync(dirname(this.file), { recursive: true, mode: 0o700 });
    await withFileLock(this.file, () => {
      const secrets = this.read();
      change(secrets);
      const sealed = this.sealer.seal(JSON.stringify({ secrets }));
      writeFileAtomic(this.file, Buffer.concat([MAGIC, Buffer.from([1]), sealed]));
    });
  }

  private read(): Record<string, string> {
    if (!existsSync(this.file)) return {};
    this.requireSealer();
    const data = readFileSync(this.file);
    if (!data.subarray(0, 8).equals(MAGIC) || data[8] !== 1) {
      throw new CopperError('VAULT_CORRUPT', `The secret file ${this.file} is not one this console wrote. It was left untouched.`);
    }
    try {
      const parsed = JSON.parse(this.sealer.open(data.subarray(9))) as { secrets?: Record<string, string> };
      return { ...(parsed.secrets ?? {}) };
    } catch {
      throw new CopperError(
        'VAULT_CORRUPT',
        `The secret file ${this.file} cannot be decrypted by this user account's keychain (was it copied from another account or machine?). It was left untouched.`,
      );
    }
  }

  private requireSealer(): void {
    if (!this.sealer.available()) {
      throw new CopperError(
        'SECRET_STORE_UNAVAILABLE',
        'The operating system keychain is not available, so secrets cannot be stored safely. On Linux, install and unlock a keyring (GNOME Keyring or KWallet).',
      );
    }
  }
}
