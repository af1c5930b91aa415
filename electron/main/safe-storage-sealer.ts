import { CopperError } from '../../shared/contract/errors';
import type { OsSealer } from '../core/secrets/sealed-file-store';

/** The parts of Electron's safeStorage the sealer uses. */
export interface SafeStorageApi {
  isEncryptionAvailable(): boolean;
  encryptString(plainText: string): Buffer;
  decryptString(encrypted: Buffer): string;
  /** Linux only; returns 'unknown' before the app is ready. */
  getSelectedStorageBackend(): string;
}

/**
 * Linux backends that do not protect anything: `basic_text` encrypts with a key hard-coded in Chromium (anyone who can
 * read the file can decrypt it), and `unknown` means the backend was not chosen yet or is one we cannot vouch for.
 */
const UNPROTECTED_LINUX_BACKENDS: ReadonlySet<string> = new Set(['basic_text', 'unknown']);

/**
 * An OsSealer over Electron's safeStorage: DPAPI on Windows, the Keychain on macOS, libsecret or KWallet on Linux.
 *
 * Must not change: a Linux system without a real keyring is reported as unavailable, never silently used, so the
 * operator is told to install a keyring instead of believing their passwords are protected.
 */
export function createSafeStorageSealer(safeStorage: SafeStorageApi, platform: NodeJS.Platform = process.platform): OsSealer {
  const linuxBackend = () => (platform === 'linux' ? safeStorage.getSelectedStorageBackend() : null);

  const available = () => {
    if (!safeStorage.isEncryptionAvailable()) return false;
    const backend = linuxBackend();
    return backend === null || !UNPROTECTED_LINUX_BACKENDS.has(backend);
  };

  const describe = () => {
    switch (platform) {
      case 'win32':
        return 'Windows DPAPI for this user account (Electron safeStorage)';
      case 'darwin':
        return 'the macOS Keychain (Electron safeStorage)';
      case 'linux': {
        const backend = linuxBackend();
        if (backend === 'basic_text') {
          return 'no Linux keyring (Electron safeStorage fell back to "basic_text", a key built into the app that is not real protection, so no secret is stored with it; install and unlock GNOME Keyring or KWallet)';
        }
        if (backend === 'unknown') {
          return 'no Linux keyring that this console recognises (Electron safeStorage backend "unknown"; install and unlock GNOME Keyring or KWallet)';
        }
        return `the Linux keyring "${backend}" (Electron safeStorage)`;
      }
      default:
        return `the ${platform} keychain (Electron safeStorage)`;
    }
  };

  const requireAvailable = () => {
    if (!available()) {
      throw new CopperError(
        'SECRET_STORE_UNAVAILABLE',
        `The operating system keychain is not available to Copper Console (${describe()}), so secrets cannot be stored safely.`,
      );
    }
  };

  return {
    available,
    describe,
    seal(plain) {
      requireAvailable();
      return safeStorage.encryptString(plain);
    },
    open(sealed) {
      requireAvailable();
      return safeStorage.decryptString(sealed);
    },
  };
}
