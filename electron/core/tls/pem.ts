import { tlsInputError } from './tls-input-error';

export interface PemBlock {
  /** The word(s) after BEGIN, e.g. "CERTIFICATE" or "EC PRIVATE KEY". */
  label: string;
  /** RFC 1421 headers (Proc-Type, DEK-Info) of legacy encrypted keys. */
  headers: Record<string, string>;
  der: Buffer;
}

const BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----\r?\n?([\s\S]*?)-----END ([A-Z0-9 ]+)-----/g;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/**
 * Every PEM block in the text, in order. Text outside blocks (openssl's "subject=…" lines, Bag Attributes) is ignored,
 * as openssl does; a block whose body is not base64, or whose END does not match its BEGIN, is refused.
 */
export function parsePem(text: string): PemBlock[] {
  const blocks: PemBlock[] = [];
  for (const match of text.matchAll(BLOCK)) {
    const [, label = '', body = '', endLabel = ''] = match;
    if (label !== endLabel) {
      throw tlsInputError('PEM_MALFORMED', `A PEM block starts as "${label}" but ends as "${endLabel}": the file was cut or pasted together wrongly. Export it again.`);
    }
    const headers: Record<string, string> = {};
    const lines = body.split(/\r?\n/);
    const base64Lines: string[] = [];
    for (const line of lines) {
      const header = /^([A-Za-z-]+):\s*(.*)$/.exec(line);
      if (header && base64Lines.length === 0) headers[header[1] ?? ''] = header[2] ?? '';
      else base64Lines.push(line.trim());
    }
    const base64 = base64Lines.join('');
    if (!base64 || !BASE64.test(base64) || base64.length % 4 !== 0) {
      throw tlsInputError('PEM_MALFORMED', `The "${label}" PEM block is damaged (its body is not base64). Copy the whole block again, from BEGIN to END.`);
    }
    blocks.push({ label, headers, der: Buffer.from(base64, 'base64') });
  }
  if (blocks.length === 0 && /-----BEGIN /.test(text)) {
    throw tlsInputError('PEM_MALFORMED', 'The text has a PEM BEGIN line without a matching END line: the file was cut short. Export it again.');
  }
  return blocks;
}

export function toPem(label: string, der: Uint8Array): string {
  const base64 = Buffer.from(der).toString('base64');
  const lines = base64.match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`;
}

export const isPrivateKeyLabel = (label: string): boolean => /PRIVATE KEY$/.test(label);
