import type { ExpectedRecord } from '../../../shared/contract';

/** A TXT character-string holds at most 255 bytes (RFC 1035 §3.3); longer texts (DKIM keys) are split into several. */
export const MAX_TXT_STRING = 255;
const TTL = 3600;

/**
 * Splits a TXT record's text into character-strings of at most 255 bytes. Verifiers join them back without separators,
 * so where the cuts fall does not matter — only that no string is longer than 255 bytes.
 */
export function splitTxt(text: string): Buffer[] {
  const bytes = Buffer.from(text, 'utf8');
  const strings: Buffer[] = [];
  for (let at = 0; at < bytes.length; at += MAX_TXT_STRING) strings.push(bytes.subarray(at, at + MAX_TXT_STRING));
  return strings.length ? strings : [Buffer.alloc(0)];
}

/** One character-string in zone-file syntax: quoted, with `"` and `\` escaped and non-printable bytes as \DDD. */
export function quoteTxtString(bytes: Buffer): string {
  let text = '';
  for (const byte of bytes) {
    if (byte === 0x22 || byte === 0x5c) text += `\\${String.fromCharCode(byte)}`;
    else if (byte >= 0x20 && byte <= 0x7e) text += String.fromCharCode(byte);
    else text += `\\${String(byte).padStart(3, '0')}`;
  }
  return `"${text}"`;
}

/** The rdata of one record in zone-file (and nsupdate) syntax. */
export function rdataOf(type: ExpectedRecord['type'], value: string): string {
  return type === 'TXT' ? splitTxt(value).map(quoteTxtString).join(' ') : value;
}

/**
 * A BIND zone-file fragment with every expected record, names absolute, ready for the DNS team to paste into the zone.
 * Long TXT records are written as several quoted strings in parentheses, one per line.
 */
export function renderZone(
  domain: string,
  records: ExpectedRecord[],
  header: { site: string; generatedAt: string; warnings: string[]; notes?: string[] },
): string {
  const lines = [
    `; Mail DNS records for ${domain} (site ${header.site}), from Copper Console at ${header.generatedAt}.`,
    '; Names are absolute. TXT texts longer than 255 bytes are split into several strings; receivers join them.',
    ...header.warnings.map((w) => `; NOTE: ${w.replace(/[\r\n]+/g, ' ')}`),
  ];
  const width = Math.max(0, ...records.map((r) => r.name.length + 1));
  for (const record of records) {
    lines.push('', `; ${record.label}`);
    for (const value of record.values) {
      const owner = `${record.name}.`.padEnd(width);
      const prefix = `${owner} ${TTL} IN ${record.type.padEnd(4)} `;
      if (record.type !== 'TXT') {
        lines.push(`${prefix}${value}`);
        continue;
      }
      const strings = splitTxt(value).map(quoteTxtString);
      if (strings.length === 1) lines.push(`${prefix}${strings[0]}`);
      else {
        const indent = ' '.repeat(prefix.length + 2);
        lines.push(`${prefix}( ${strings[0]}`, ...strings.slice(1, -1).map((s) => `${indent}${s}`), `${indent}${strings[strings.length - 1]} )`);
      }
    }
  }
  if (header.notes?.length) lines.push('', ...header.notes.map((note) => `; ${note}`.trimEnd()));
  return `${lines.join('\n')}\n`;
}
