import type { DnsCheckItem, DnsRecordKind, ExpectedRecord } from '../../../shared/contract';
import { DNS_RECORD_KIND_NAMES } from '../../../shared/contract';
import { canonical, presentBytes, presentRecord, txtBytes, type FoundRecord } from './dns-answers';

/** Kinds where receivers need exactly one record: a second SPF/DMARC/MTA-STS/TLS-RPT record breaks the policy. */
const ONE_RECORD_ONLY: ReadonlySet<DnsRecordKind> = new Set(['spf', 'dmarc', 'mta-sts', 'tls-rpt', 'dkim']);

/** The version tag that makes a TXT record one of these (RFC 7208, 7489, 8461, 8460), compared case-insensitively. */
const VERSION_TAG: Partial<Record<DnsRecordKind, string>> = {
  spf: 'v=spf1',
  dmarc: 'v=dmarc1',
  'mta-sts': 'v=stsv1',
  'tls-rpt': 'v=tlsrptv1',
};

const NAMES = DNS_RECORD_KIND_NAMES;

/** Found against expected, for one expected record set. */
export function compareRecord(expected: ExpectedRecord, found: FoundRecord[]): DnsCheckItem {
  if (expected.type === 'TXT') return compareTxt(expected, found.filter((r): r is Extract<FoundRecord, { type: 'TXT' }> => r.type === 'TXT'));
  if (expected.type === 'MX') return compareSet(expected, found.filter((r) => r.type === 'MX'), 'exact');
  return compareSet(expected, found.filter((r) => r.type === 'TLSA'), 'contains');
}

function compareTxt(expected: ExpectedRecord, all: Array<Extract<FoundRecord, { type: 'TXT' }>>): DnsCheckItem {
  const kind = NAMES[expected.kind];
  const want = Buffer.from(expected.values[0] ?? '', 'utf8');
  // At the domain's apex many TXT records live side by side; only those that claim to be SPF are SPF's business.
  const tag = VERSION_TAG[expected.kind];
  const relevant = expected.kind === 'spf' ? all.filter((r) => startsWithTag(txtBytes(r), 'v=spf')) : all;
  const found = relevant.map(presentRecord);
  const matching = relevant.filter((r) => txtBytes(r).equals(want));
  const competing = relevant.filter((r) => !txtBytes(r).equals(want) && (tag === undefined || startsWithTag(txtBytes(r), tag)));

  if (relevant.length === 0) {
    return item(expected, 'missing', found, [], `No ${kind} record is published at ${expected.name}. Ask the DNS team to add the expected TXT record.`);
  }
  if (matching.length === 0) {
    const closest = competing[0] ?? relevant[0];
    const hint = closest ? difference(txtBytes(closest), want) : '';
    const many = competing.length > 1 && ONE_RECORD_ONLY.has(expected.kind) ? ` There are ${competing.length} ${kind} records at that name; there must be exactly one.` : '';
    return item(expected, 'mismatch', found, competing.length > 1 ? competing.map(presentRecord) : [], `The ${kind} record at ${expected.name} is not the expected one. ${hint}${many} Ask the DNS team to replace it with the expected text, exactly.`.trim());
  }
  if (ONE_RECORD_ONLY.has(expected.kind) && competing.length > 0) {
    const extra = competing.map(presentRecord);
    return item(
      expected,
      'mismatch',
      found,
      extra,
      `The expected ${kind} record is published at ${expected.name}, but so ${extra.length === 1 ? 'is another' : `are ${extra.length} others`}: receivers ${expected.kind === 'dkim' ? 'may use the wrong key' : `treat more than one ${kind} record as an error`}. Ask the DNS team to delete the extra record${extra.length === 1 ? '' : 's'}.`,
    );
  }
  return item(expected, 'ok', found, [], '');
}

/**
 * MX and TLSA sets. MX must be exactly the expected set (a stray MX sends mail elsewhere); TLSA must contain every
 * expected association, and other ones are shown but tolerated (the next certificate's, during a rollover).
 */
function compareSet(expected: ExpectedRecord, records: FoundRecord[], rule: 'exact' | 'contains'): DnsCheckItem {
  const kind = NAMES[expected.kind];
  const found = records.map(presentRecord);
  const key = (value: string) => value.toLowerCase().replace(/\s+/g, ' ').trim();
  const foundKeys = new Set(found.map(key));
  const wantKeys = new Set(expected.values.map(key));
  const absent = expected.values.filter((v) => !foundKeys.has(key(v)));
  const extra = found.filter((v) => !wantKeys.has(key(v)));
  if (records.length === 0) {
    return item(expected, 'missing', found, [], `No ${kind} record is published at ${expected.name}. Ask the DNS team to add the expected record${expected.values.length === 1 ? '' : 's'}.`);
  }
  if (absent.length > 0 || (rule === 'exact' && extra.length > 0)) {
    const parts = [
      absent.length ? `missing ${absent.join(', ')}` : '',
      extra.length ? `${rule === 'exact' ? 'unexpected' : 'also published'} ${extra.join(', ')}` : '',
    ].filter(Boolean);
    return item(expected, 'mismatch', found, extra, `The ${kind} records at ${expected.name} differ from the expected ones: ${parts.join('; ')}. Ask the DNS team to publish exactly the expected records.`);
  }
  return item(expected, 'ok', found, extra, extra.length ? `Also published (tolerated, e.g. the next certificate during a rollover): ${extra.join(', ')}.` : '');
}

/** At most this many records are shown per name: a hostile zone can hold thousands, the operator needs a sample. */
const MAX_SHOWN = 64;

function item(expected: ExpectedRecord, status: DnsCheckItem['status'], found: string[], extra: string[], message: string): DnsCheckItem {
  const more = found.length > MAX_SHOWN ? ` Only the first ${MAX_SHOWN} of ${found.length} records found are shown.` : '';
  return { ...expected, name: canonical(expected.name), status, found: found.slice(0, MAX_SHOWN), extra: extra.slice(0, MAX_SHOWN), message: `${message}${more}`.trim() };
}

function startsWithTag(text: Buffer, tag: string): boolean {
  return text.subarray(0, tag.length).toString('latin1').toLowerCase() === tag;
}

/** Where two texts part, with a little context on each side, so a one-letter typo is easy to spot. */
export function difference(found: Buffer, expected: Buffer): string {
  let at = 0;
  while (at < found.length && at < expected.length && found[at] === expected[at]) at++;
  if (at === found.length && at === expected.length) return '';
  const excerpt = (bytes: Buffer) => {
    const start = Math.max(0, at - 12);
    const end = Math.min(bytes.length, at + 12);
    return `${start > 0 ? '…' : ''}${presentBytes(bytes.subarray(start, end))}${end < bytes.length ? '…' : ''}`;
  };
  if (at === found.length) return `The published text stops at character ${at + 1}, where the expected one goes on with “${excerpt(expected)}”.`;
  if (at === expected.length) return `The published text goes on after the expected end: “${excerpt(found)}”.`;
  return `They differ from character ${at + 1}: found “${excerpt(found)}”, expected “${excerpt(expected)}”.`;
}
