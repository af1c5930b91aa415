import { z } from 'zod';

/**
 * What comes back from the resolver is data from the network: every field is checked here before the console uses
 * it, and any text (TXT strings, names) is only ever compared byte for byte or shown escaped — never interpreted.
 */

export type QueryType = 'MX' | 'TXT' | 'TLSA';

export type FoundRecord =
  | { type: 'MX'; preference: number; exchange: string }
  /** The character-strings of one TXT record, as sent; what they mean is their concatenation. */
  | { type: 'TXT'; strings: Buffer[] }
  | { type: 'TLSA'; usage: number; selector: number; matchingType: number; data: Buffer };

/** dns-packet's decoded header fields the console relies on; anything else in the packet is ignored. */
export const DecodedResponse = z.object({
  flag_qr: z.literal(true, { error: 'it is not a response' }),
  flag_tc: z.boolean(),
  rcode: z.string().max(20),
  questions: z.array(z.object({ name: z.string().max(1024), type: z.string().max(20) })).max(1),
  answers: z.array(z.unknown()).max(4096),
});
export type DecodedResponse = z.infer<typeof DecodedResponse>;

const Owner = z.object({ name: z.string().max(1024), type: z.string().max(20) });
const Octet = z.number().int().min(0).max(255);
const Bytes = z.instanceof(Buffer);
const dataOf = {
  MX: z.object({ preference: z.number().int().min(0).max(65535), exchange: z.string().max(1024) }),
  TXT: z.array(Bytes).max(4096),
  TLSA: z.object({ usage: Octet, selector: Octet, matchingType: Octet, certificate: Bytes }),
  CNAME: z.string().max(1024),
} as const;

/** Longest CNAME chain followed; resolvers stop far earlier, this only bounds a hostile answer. */
const MAX_CHAIN = 16;

/**
 * The records of the asked type at the asked name, following a CNAME chain the resolver included (e.g. a DKIM record
 * delegated to another zone). Records at names outside that chain are ignored: they do not answer the question.
 * Throws when a record of the asked type cannot be read.
 */
export function parseAnswers(answers: unknown[], name: string, type: QueryType): FoundRecord[] {
  const owners = answers.map((answer) => ({ answer, owner: Owner.safeParse(answer) }));
  const aliases = new Map<string, string>();
  for (const { answer, owner } of owners) {
    if (!owner.success || owner.data.type !== 'CNAME') continue;
    const target = dataOf.CNAME.safeParse((answer as { data?: unknown }).data);
    if (target.success) aliases.set(canonical(owner.data.name), canonical(target.data));
  }
  const chain = new Set([canonical(name)]);
  let current = canonical(name);
  for (let i = 0; i < MAX_CHAIN; i++) {
    const next = aliases.get(current);
    if (next === undefined || chain.has(next)) break;
    chain.add(next);
    current = next;
  }

  const records: FoundRecord[] = [];
  for (const { answer, owner } of owners) {
    if (!owner.success || owner.data.type !== type || !chain.has(canonical(owner.data.name))) continue;
    const data = (answer as { data?: unknown }).data;
    if (type === 'MX') {
      const mx = dataOf.MX.safeParse(data);
      if (!mx.success) throw new Error(`an MX record at ${owner.data.name} cannot be read`);
      records.push({ type, preference: mx.data.preference, exchange: mx.data.exchange });
    } else if (type === 'TXT') {
      const txt = dataOf.TXT.safeParse(data);
      if (!txt.success) throw new Error(`a TXT record at ${owner.data.name} cannot be read`);
      records.push({ type, strings: txt.data });
    } else {
      const tlsa = dataOf.TLSA.safeParse(data);
      if (!tlsa.success) throw new Error(`a TLSA record at ${owner.data.name} cannot be read`);
      records.push({ type, usage: tlsa.data.usage, selector: tlsa.data.selector, matchingType: tlsa.data.matchingType, data: tlsa.data.certificate });
    }
  }
  return records;
}

/** DNS names compare case-insensitively and with or without the final dot. */
export function canonical(name: string): string {
  return name.toLowerCase().replace(/\.$/, '');
}

/** A TXT record's text: its character-strings joined, exactly as SPF, DKIM and DMARC verifiers read them. */
export function txtBytes(record: { strings: Buffer[] }): Buffer {
  return Buffer.concat(record.strings);
}

/**
 * Bytes for display, as zone files write them: printable ASCII as is, a backslash doubled, every other byte as \DDD.
 * Control characters, escape sequences and non-ASCII therefore reach no terminal or page as themselves.
 */
export function presentBytes(bytes: Buffer): string {
  let text = '';
  for (const byte of bytes) {
    if (byte === 0x5c) text += '\\\\';
    else if (byte >= 0x20 && byte <= 0x7e) text += String.fromCharCode(byte);
    else text += `\\${String(byte).padStart(3, '0')}`;
  }
  return text;
}

export function presentRecord(record: FoundRecord): string {
  if (record.type === 'TXT') return presentBytes(txtBytes(record));
  if (record.type === 'MX') return `${record.preference} ${presentBytes(Buffer.from(canonical(record.exchange), 'utf8'))}.`;
  return `${record.usage} ${record.selector} ${record.matchingType} ${record.data.toString('hex')}`;
}
