import { createHash } from 'node:crypto';

/** The SHA256 fingerprint of an SSH host key blob, exactly as `ssh-keygen -lf` and OpenSSH print it. */
export function fingerprintOf(keyBlob: Buffer): string {
  return `SHA256:${createHash('sha256').update(keyBlob).digest('base64').replace(/=+$/, '')}`;
}

/** The key type named at the start of a key blob (e.g. ssh-ed25519), or "unknown" for a malformed blob. */
export function keyTypeOf(keyBlob: Buffer): string {
  if (keyBlob.length < 4) return 'unknown';
  const length = keyBlob.readUInt32BE(0);
  if (length === 0 || length > 64 || keyBlob.length < 4 + length) return 'unknown';
  return keyBlob.subarray(4, 4 + length).toString('latin1').replace(/[^\x20-\x7e]/g, '?');
}
