export interface PrivateKeyFile {
  text: string;
  /** What the operator should see to know the right file was picked, e.g. "id_ed25519: OpenSSH private key, protected by a passphrase". */
  summary: string;
  encrypted: boolean;
}

const MAX_KEY_BYTES = 64 * 1024;

/**
 * Reads a private key chosen in a file input, as text, and checks it is one: the most common mistake is picking the
 * `.pub` file. The key goes to the core once and into the secret store; nothing here keeps it.
 */
export async function readPrivateKey(file: File): Promise<{ ok: true; key: PrivateKeyFile } | { ok: false; message: string }> {
  if (file.size > MAX_KEY_BYTES) return { ok: false, message: `${file.name} is too large to be a private key (at most 64 KiB).` };
  const text = await file.text();
  if (/^(ssh-|ecdsa-|sk-)/.test(text.trim()) || file.name.endsWith('.pub')) {
    return { ok: false, message: `${file.name} is a public key. Choose the private key (the same name without .pub).` };
  }
  const openssh = /-----BEGIN OPENSSH PRIVATE KEY-----([\s\S]*?)-----END OPENSSH PRIVATE KEY-----/.exec(text);
  if (openssh) {
    const encrypted = opensshCipher(openssh[1] ?? '') !== 'none';
    return {
      ok: true,
      key: { text, encrypted, summary: `${file.name}: OpenSSH private key${encrypted ? ', protected by a passphrase (enter it below)' : ''}` },
    };
  }
  const pem = /-----BEGIN ((?:RSA|EC|DSA|ENCRYPTED) )?PRIVATE KEY-----/.exec(text);
  if (pem) {
    const encrypted = pem[1] === 'ENCRYPTED ' || /Proc-Type: 4,ENCRYPTED/.test(text);
    return {
      ok: true,
      key: { text, encrypted, summary: `${file.name}: PEM private key${encrypted ? ', protected by a passphrase (enter it below)' : ''}` },
    };
  }
  return { ok: false, message: `${file.name} is not a private key. Choose a file such as id_ed25519 that starts with -----BEGIN OPENSSH PRIVATE KEY-----.` };
}

/** The cipher name in an openssh-key-v1 blob: "none" for a key without passphrase. */
function opensshCipher(base64: string): string {
  try {
    const bytes = Uint8Array.from(atob(base64.replace(/\s+/g, '')), (c) => c.charCodeAt(0));
    const magic = 'openssh-key-v1\0';
    if (new TextDecoder().decode(bytes.subarray(0, magic.length)) !== magic) return 'unknown';
    const view = new DataView(bytes.buffer, bytes.byteOffset + magic.length);
    const length = view.getUint32(0);
    return new TextDecoder().decode(bytes.subarray(magic.length + 4, magic.length + 4 + length));
  } catch {
    return 'unknown';
  }
}
