import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { lab } from './lab';

/**
 * The tests' DNS team: they change the lab's zones on the lab BIND server (scripts/lab/dns.sh) with TSIG-signed
 * dynamic updates, exactly as an organisation's DNS team publishes what the console asks for, and wait until the
 * server answers with the change. Independent of the console's own DNS code on purpose: nsupdate writes, dig reads.
 */

export interface LabDns {
  host: string;
  port: number;
  /** As a site's resolver setting: "127.0.0.1:5353". */
  resolver: string;
  zones: string[];
  tsigKeyName: string;
  tsigKeyFile: string;
}

export function labDns(): LabDns {
  const dns = (lab() as unknown as { dns?: LabDns }).dns;
  if (!dns) throw new Error('lab.json has no "dns" section: the lab predates the DNS server. Run `bash scripts/lab/up.sh` again.');
  return dns;
}

/** A fresh name below the first lab zone, so concurrent runs never see each other's records. */
export function uniqueDomain(prefix = 't'): string {
  return `${prefix}${randomBytes(4).toString('hex')}.${labDns().zones[0] ?? 'lab.example'}`;
}

/** The lab zone a name belongs to. */
export function zoneOf(name: string): string {
  const lower = name.toLowerCase().replace(/\.$/, '');
  const zone = labDns()
    .zones.filter((z) => lower === z || lower.endsWith(`.${z}`))
    .sort((a, b) => b.length - a.length)[0];
  if (!zone) throw new Error(`${name} is in none of the lab zones (${labDns().zones.join(', ')}).`);
  return zone;
}

function nsupdate(zone: string, lines: string[]): void {
  const dns = labDns();
  const script = [`server ${dns.host} ${dns.port}`, `zone ${zone}`, ...lines, 'send', ''].join('\n');
  const run = spawnSync('nsupdate', ['-k', dns.tsigKeyFile], { input: script, encoding: 'utf8', timeout: 15_000 });
  if (run.status !== 0) throw new Error(`nsupdate failed (exit ${run.status ?? 'signal'}): ${run.stderr || run.stdout}\n${script}`);
}

/** What the lab server answers now, one record per line as `dig +short` prints it. */
export function dig(name: string, type: string, transport: 'udp' | 'tcp' = 'udp'): string[] {
  const dns = labDns();
  const run = spawnSync('dig', ['-p', String(dns.port), `@${dns.host}`, transport === 'tcp' ? '+tcp' : '+notcp', '+norec', '+time=2', '+tries=1', '+short', name, type], {
    encoding: 'utf8',
    timeout: 10_000,
  });
  if (run.status !== 0) throw new Error(`dig ${name} ${type} failed: ${run.stderr || run.stdout}`);
  return run.stdout.split('\n').filter(Boolean);
}

/** A TXT text as nsupdate rdata: 255-byte strings, each quoted with `"` and `\` escaped (RFC 1035 §5.1). */
export function txtRdata(text: string): string {
  const bytes = Buffer.from(text, 'utf8');
  const strings: string[] = [];
  for (let at = 0; at < bytes.length; at += 255) {
    strings.push(`"${bytes.subarray(at, at + 255).toString('latin1').replace(/["\\]/g, (c) => `\\${c}`)}"`);
  }
  return strings.join(' ') || '""';
}

async function waitUntil(what: string, ready: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!ready()) {
    if (Date.now() > deadline) throw new Error(`The lab DNS server did not show the change in time: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/**
 * Publishes one record (rdata in zone-file syntax, e.g. `10 mx1.lab.example.` or `"v=spf1 mx -all"`) and waits until
 * the server serves one more record at that name and type.
 */
export async function publishRecord(name: string, type: string, rdata: string, ttl = 60): Promise<void> {
  const before = dig(name, type).length;
  nsupdate(zoneOf(name), [`update add ${name}. ${ttl} IN ${type} ${rdata}`]);
  await waitUntil(`${name} ${type} ${rdata}`, () => dig(name, type).length > before);
}

export const publishTxt = (name: string, text: string) => publishRecord(name, 'TXT', txtRdata(text));

/** Removes every record at a name (of one type, or all types) and waits until the server answers without them. */
export async function removeRecords(name: string, type?: string): Promise<void> {
  nsupdate(zoneOf(name), [`update delete ${name}.${type ? ` ${type}` : ''}`]);
  await waitUntil(`${name} ${type ?? ''} removed`, () => dig(name, type ?? 'ANY').length === 0);
}
