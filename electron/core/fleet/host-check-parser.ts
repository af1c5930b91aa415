/**
 * Reads what HOST_CHECK_SCRIPT printed into the fields of a HostCheck. Pure: no I/O, never throws.
 *
 * The rule throughout: a value the console shows is one the host stated in a form we recognise. Anything else becomes
 * null or 'unknown', and the text we could not read is kept (HostCheck.unparsed, ComponentStatus.raw) so the operator
 * sees what the server actually said. Text from a server is never trusted to be clean: versions and names must match
 * strict patterns, so an escape sequence or markup in a version string is kept as raw text, not shown as a version.
 */
import { ComponentName, type ComponentStatus, type DiskUsage, type HostCheck, type TriState } from '../../../shared/contract/fleet';

/** Judging the parsed check lives beside it; exported here too so a caller needs one import for output and warnings. */
export { hostCheckWarnings } from './host-check-warnings';

export interface ParsedHostCheck {
  os: string | null;
  kernel: string | null;
  uptimeSeconds: number | null;
  load: [number, number, number] | null;
  memory: { totalBytes: number; availableBytes: number } | null;
  /** Online CPUs: not a HostCheck field, but needed to judge the load (hostCheckWarnings reads it when present). */
  cpuCount: number | null;
  disks: DiskUsage[];
  components: ComponentStatus[];
  unparsed: HostCheck['unparsed'];
}

const SECTION_MARKER = /^@@copper:section ([a-z0-9:_-]{1,64})[ \t]*$/;
/** Text before the first marker: what the login's shell start-up files printed. */
const PREAMBLE = 'preamble';
const SCRIPT_SECTIONS = ['os', 'kernel', 'uptime', 'load', 'cpus', 'memory', 'disks', 'processes', 'end'];
/** Raw text kept per entry; beyond it the text is cut with a note, so one runaway command cannot bloat every stored check. */
const RAW_LIMIT = 16_384;
/** A version as programs print them: 3.7.11, 2.5.13+dfsg-5, 10.11.6-MariaDB-0+deb12u1, 20.10.24+dfsg1. */
const VERSION_PATTERN = /^[0-9][0-9A-Za-z.+~:_-]{0,79}$/;
const NUMBER_PATTERN = /^\d+(?:\.\d+)?$/;
/** Printable text only (no control characters, so no terminal escapes) for what is shown as a value. */
const PRINTABLE_LINE = /^[^\p{Cc}\p{Cf}\p{Co}\p{Cn}\u2028\u2029]+$/u;

export function parseHostCheckOutput(stdout: string): ParsedHostCheck {
  const { sections, unparsed } = splitSections(typeof stdout === 'string' ? stdout : '');
  const keep = (section: string, raw: string) => {
    if (raw.trim() !== '') unparsed.push({ section, raw: boundRaw(raw) });
  };
  const field = <T>(section: string, parse: (text: string) => T | null): T | null => {
    const text = sections.get(section);
    if (text === undefined || text.trim() === '') return null;
    const value = parse(text);
    if (value === null) keep(section, text);
    return value;
  };

  const disks = parseDisksSection(sections.get('disks'));
  if (disks.rejected !== null) keep('disks', disks.rejected);
  const processes = parseProcesses(sections.get('processes'));
  if (processes.rejected !== null) keep('processes', processes.rejected);

  // Sections we do not read (from a newer script, or text after the end marker) are kept rather than dropped.
  const interpreted = new Set([...SCRIPT_SECTIONS, ...COMPONENT_SECTIONS].filter((name) => name !== 'end'));
  for (const [name, text] of sections) if (!interpreted.has(name)) keep(name, text);

  return {
    os: field('os', parseOsRelease),
    kernel: field('kernel', parseKernel),
    uptimeSeconds: field('uptime', parseUptime),
    load: field('load', parseLoad),
    memory: field('memory', parseMeminfo),
    cpuCount: field('cpus', parseCpuCount),
    disks: disks.disks,
    components: ComponentName.options.map((name) => nativeComponent(name, sections, processes)),
    unparsed,
  };
}

// ---------------------------------------------------------------------------------------------------------------------
// Sections

function splitSections(stdout: string): { sections: Map<string, string>; unparsed: HostCheck['unparsed'] } {
  const sections = new Map<string, string>();
  const unparsed: HostCheck['unparsed'] = [];
  let name = PREAMBLE;
  let lines: string[] = [];
  const close = () => {
    const text = trimBlankLines(lines.join('\n'));
    if (name === PREAMBLE) {
      // Shell start-up files of the login can print before our script runs: kept, never interpreted.
      if (text.trim() !== '') unparsed.push({ section: PREAMBLE, raw: boundRaw(text) });
    } else if (sections.has(name)) {
      // The script prints each section once; a repeat came from a command's output and is not trusted.
      unparsed.push({ section: name, raw: boundRaw(text) });
    } else {
      sections.set(name, text);
    }
  };
  for (const line of stdout.replace(/\r\n?/g, '\n').split('\n')) {
    const marker = SECTION_MARKER.exec(line);
    if (marker) {
      close();
      name = marker[1] ?? '';
      lines = [];
    } else {
      lines.push(line);
    }
  }
  if (name !== PREAMBLE && name !== 'end' && !sections.has('end')) {
    // No end marker: the output was cut (size limit, timeout, dropped connection), so the last section may be partial.
    // A partial process list would make running daemons look stopped, a partial version look older: keep it as text.
    const text = trimBlankLines(lines.join('\n'));
    if (text.trim() !== '') unparsed.push({ section: name, raw: boundRaw(text) });
  } else {
    close();
  }
  return { sections, unparsed };
}

/** Drops blank lines before and whitespace after a section (trimEnd, not a /\s+$/ regex: that is quadratic on long runs). */
function trimBlankLines(text: string): string {
  let start = 0;
  for (let newline = text.indexOf('\n'); newline !== -1 && text.slice(start, newline).trim() === ''; newline = text.indexOf('\n', start)) {
    start = newline + 1;
  }
  return text.slice(start).trimEnd();
}

function boundRaw(text: string): string {
  if (text.length <= RAW_LIMIT) return text;
  return `${text.slice(0, RAW_LIMIT)}\n… (${text.length - RAW_LIMIT} more characters not kept)`;
}

function printableLine(text: string, maxLength = 256): string | null {
  const line = text.trim();
  return line.length > 0 && line.length <= maxLength && PRINTABLE_LINE.test(line) ? line : null;
}

function safeNumber(text: string): number | null {
  if (!NUMBER_PATTERN.test(text)) return null;
  const value = Number(text);
  return Number.isFinite(value) && value <= Number.MAX_SAFE_INTEGER ? value : null;
}

/** A count of KiB (or other blocks) as bytes, refused when it would not be exact in a JavaScript number. */
function blocksToBytes(text: string, blockSize: number): number | null {
  if (!/^\d{1,20}$/.test(text)) return null;
  const bytes = Number(text) * blockSize;
  return Number.isSafeInteger(bytes) ? bytes : null;
}

// ---------------------------------------------------------------------------------------------------------------------
// OS, kernel, uptime, load, CPUs, memory

/** /etc/os-release: PRETTY_NAME, else NAME and VERSION. Values may be quoted (shell syntax) or bare. */
export function parseOsRelease(text: string): string | null {
  const values = new Map<string, string>();
  for (const line of text.split('\n')) {
    const match = /^([A-Z][A-Z0-9_]*)=(.*)$/.exec(line.trim());
    if (!match) continue;
    const value = unquoteOsReleaseValue(match[2] ?? '');
    if (value !== null) values.set(match[1] ?? '', value);
  }
  const pretty = values.get('PRETTY_NAME');
  const name = values.get('NAME');
  const version = values.get('VERSION') ?? values.get('VERSION_ID');
  const candidate = pretty ?? (name !== undefined ? [name, version].filter(Boolean).join(' ') : undefined);
  return candidate === undefined ? null : printableLine(candidate, 200);
}

function unquoteOsReleaseValue(value: string): string | null {
  const quote = value[0];
  if (quote === '"' || quote === "'") {
    if (value.length < 2 || value[value.length - 1] !== quote) return null;
    const inner = value.slice(1, -1);
    return quote === '"' ? inner.replace(/\\([\\"$`])/g, '$1') : inner;
  }
  return /^[^\s"'\\`$]*$/.test(value) ? value : null;
}

/** `uname -srm`: "Linux 6.1.0-18-amd64 x86_64". */
function parseKernel(text: string): string | null {
  const line = printableLine(text, 200);
  return line !== null && /^\S+ \S+ \S+$/.test(line) ? line : null;
}

/** /proc/uptime: "seconds-up seconds-idle". */
function parseUptime(text: string): number | null {
  const match = /^(\d+(?:\.\d+)?)(?:\s+\d+(?:\.\d+)?)?$/.exec(text.trim());
  return match ? safeNumber(match[1] ?? '') : null;
}

/** /proc/loadavg: "0.42 0.37 0.30 1/123 4567". */
function parseLoad(text: string): [number, number, number] | null {
  const match = /^(\d+(?:\.\d+)?) (\d+(?:\.\d+)?) (\d+(?:\.\d+)?)(?: \d+\/\d+ \d+)?$/.exec(text.trim());
  if (!match) return null;
  const values = [match[1], match[2], match[3]].map((v) => safeNumber(v ?? ''));
  const [one, five, fifteen] = values;
  return one != null && five != null && fifteen != null ? [one, five, fifteen] : null;
}

function parseCpuCount(text: string): number | null {
  const line = text.trim();
  if (!/^\d{1,6}$/.test(line)) return null;
  const count = Number(line);
  return count > 0 ? count : null;
}

/** /proc/meminfo: MemTotal and MemAvailable, in kB (which the kernel means as KiB). */
function parseMeminfo(text: string): { totalBytes: number; availableBytes: number } | null {
  const read = (key: string): number | null => {
    const match = new RegExp(`^${key}:[ \\t]+(\\d+) kB$`, 'm').exec(text);
    return match ? blocksToBytes(match[1] ?? '', 1024) : null;
  };
  const totalBytes = read('MemTotal');
  const availableBytes = read('MemAvailable');
  if (totalBytes === null || availableBytes === null || totalBytes === 0 || availableBytes > totalBytes) return null;
  return { totalBytes, availableBytes };
}

// ---------------------------------------------------------------------------------------------------------------------
// Disks

/**
 * `df -PkT` (GNU, newer BusyBox) or `df -Pk` (no type column). The header says which, and its "N-blocks" says the unit.
 * Rows that do not fit are returned as `rejected` text; the rows that do fit are kept.
 */
export function parseDisksSection(text: string | undefined): { disks: DiskUsage[]; rejected: string | null } {
  if (text === undefined || text.trim() === '') return { disks: [], rejected: null };
  const [header = '', ...rows] = text.split('\n');
  const headerMatch = /^Filesystem\s+(Type\s+)?(\d+)-blocks\s+Used\s+Avail(?:able)?\s+(?:Capacity|Use%)\s+Mounted on$/.exec(header.trim());
  const blockSize = headerMatch ? Number(headerMatch[2]) : NaN;
  if (!headerMatch || !Number.isSafeInteger(blockSize) || blockSize <= 0) return { disks: [], rejected: text };
  const withType = headerMatch[1] !== undefined;

  const disks: DiskUsage[] = [];
  const rejected: string[] = [];
  for (const row of rows) {
    if (row.trim() === '') continue;
    const disk = dfRow(row, withType, blockSize);
    if (disk) disks.push(disk);
    else rejected.push(row);
  }
  return { disks, rejected: rejected.length > 0 ? [header, ...rejected].join('\n') : null };
}

/**
 * One df row: FILESYSTEM [TYPE] SIZE USED AVAILABLE CAPACITY MOUNT. Read by splitting on blanks rather than by one
 * regular expression, which would take quadratic time on a hostile row of long blank runs. The filesystem and the
 * mount point may contain blanks: the capacity column ("24%", followed by a path) anchors the numbers.
 */
function dfRow(row: string, withType: boolean, blockSize: number): DiskUsage | null {
  const fields = [...row.matchAll(/\S+/g)];
  const numbersBefore = withType ? 4 : 3;
  const capacityAt = fields.findIndex(
    (field, index) => index > numbersBefore && /^(?:\d{1,3}%|-)$/.test(field[0]) && (fields[index + 1]?.[0] ?? '').startsWith('/'),
  );
  if (capacityAt === -1) return null;
  const value = (index: number) => fields[index]?.[0] ?? '';
  const firstOfFilesystem = fields[0]?.index ?? 0;
  const lastOfFilesystem = fields[capacityAt - numbersBefore - 1];
  const mountField = fields[capacityAt + 1];
  if (lastOfFilesystem === undefined || mountField === undefined) return null;
  return diskUsage(
    row.slice(firstOfFilesystem, (lastOfFilesystem.index ?? 0) + lastOfFilesystem[0].length),
    withType ? value(capacityAt - 4) : 'unknown',
    value(capacityAt - 3),
    value(capacityAt - 2),
    value(capacityAt - 1),
    value(capacityAt),
    row.slice(mountField.index ?? 0).trimEnd(),
    blockSize,
  );
}

function diskUsage(
  filesystem: string | undefined,
  type: string | undefined,
  size: string | undefined,
  used: string | undefined,
  available: string | undefined,
  capacity: string | undefined,
  mount: string | undefined,
  blockSize: number,
): DiskUsage | null {
  const sizeBytes = blocksToBytes(size ?? '', blockSize);
  const usedBytes = blocksToBytes(used ?? '', blockSize);
  const availableBytes = blocksToBytes(available ?? '', blockSize);
  const names = [filesystem, type, mount].map((value) => printableLine(value ?? '', 4096));
  const [filesystemName, typeName, mountPoint] = names;
  if (sizeBytes === null || usedBytes === null || availableBytes === null) return null;
  if (filesystemName == null || typeName == null || mountPoint == null) return null;
  let usePercent: number;
  if (capacity !== undefined && capacity !== '-') {
    usePercent = Number(capacity.slice(0, -1));
    if (usePercent > 100) return null;
  } else {
    // What df itself prints: used / (used + available), rounded up (root-reserved blocks are not "available").
    usePercent = usedBytes + availableBytes > 0 ? Math.ceil((usedBytes * 100) / (usedBytes + availableBytes)) : 0;
  }
  return { mount: mountPoint, filesystem: filesystemName, type: typeName, sizeBytes, usedBytes, availableBytes, usePercent };
}

// ---------------------------------------------------------------------------------------------------------------------
// Processes

interface ProcessList {
  /** 'restricted': /proc is mounted hidepid, so the login sees only its own processes and "not running" cannot be told. */
  state: 'complete' | 'restricted' | 'missing';
  names: Set<string>;
  rejected: string | null;
}

/** "PID COMM" lines from `ps -eo pid=,comm=` or /proc/PID/comm. */
function parseProcesses(text: string | undefined): ProcessList {
  if (text === undefined || text.trim() === '') return { state: 'missing', names: new Set(), rejected: null };
  const names = new Set<string>();
  let sawInit = false;
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    const match = /^\s*(\d+)\s+(\S.*)$/.exec(line);
    // One line we cannot read means the list is not in the shape we expect: judge nothing from it.
    if (!match) return { state: 'missing', names: new Set(), rejected: text };
    if (match[1] === '1') sawInit = true;
    names.add((match[2] ?? '').trimEnd());
  }
  // Every process list of a whole system holds PID 1; without it /proc hides other users' processes (hidepid).
  return { state: sawInit ? 'complete' : 'restricted', names, rejected: null };
}

// ---------------------------------------------------------------------------------------------------------------------
// Components (native mode)

const COMPONENT_SECTIONS = ComponentName.options.flatMap((name) => [`path:${name}`, `version:${name}`]).concat('client:mariadb');

interface NativeRule {
  /** The programs the script looks for, for messages. */
  binary: string;
  /** Process names (comm) that show the component running; every group must have one running. */
  processes: string[][];
  version: (text: string) => string | null;
}

const firstLineMatching = (pattern: RegExp) => (text: string) => {
  for (const line of text.split('\n')) {
    const match = pattern.exec(line);
    if (match) return match[1] ?? null;
  }
  return null;
};

const NATIVE_RULES: Record<Exclude<ComponentName, 'webmail'>, NativeRule> = {
  postfix: { binary: 'postconf', processes: [['master'], ['qmgr', 'pickup']], version: firstLineMatching(/^(\S+)$/) },
  dovecot: { binary: 'dovecot', processes: [['dovecot']], version: firstLineMatching(/^(\S+)(?: \([0-9a-f]+\))?$/) },
  rspamd: { binary: 'rspamd', processes: [['rspamd']], version: firstLineMatching(/^Rspamd daemon version (\S+)$/) },
  clamd: { binary: 'clamd', processes: [['clamd']], version: firstLineMatching(/^ClamAV ([^/\s]+)/) },
  slapd: { binary: 'slapd', processes: [['slapd']], version: firstLineMatching(/\$OpenLDAP: slapd (\S+) /) },
  redis: {
    binary: 'redis-server or valkey-server',
    processes: [['redis-server', 'valkey-server']],
    version: firstLineMatching(/^(?:Redis|Valkey) server v=(\S+)/),
  },
  mariadb: { binary: 'mariadbd or mysqld', processes: [['mariadbd', 'mysqld']], version: firstLineMatching(/\sVer (\S+)/) },
  docker: { binary: 'dockerd', processes: [['dockerd']], version: firstLineMatching(/^Docker version ([^,\s]+)/) },
};

function nativeComponent(name: ComponentName, sections: Map<string, string>, processes: ProcessList): ComponentStatus {
  return name === 'webmail' ? nativeWebmail(sections, processes) : nativeDaemon(name, NATIVE_RULES[name], sections, processes);
}

function nativeDaemon(name: ComponentName, rule: NativeRule, sections: Map<string, string>, processes: ProcessList): ComponentStatus {
  const raws: string[] = [];
  const pathText = sections.get(`path:${name}`);
  const versionText = sections.get(`version:${name}`) ?? '';
  const path = readPath(pathText, raws);
  const seen = rule.processes.map((group) => group.filter((process) => processes.names.has(process)));
  const allGroupsSeen = seen.every((group) => group.length > 0);
  const seenNames = seen.flat();

  let running: TriState;
  if (processes.state !== 'complete') running = allGroupsSeen ? 'yes' : 'unknown';
  else running = allGroupsSeen ? 'yes' : 'no';

  let present: TriState;
  if (path !== null && path !== '') present = 'yes';
  else if (running === 'yes') present = 'unknown';
  else present = path === '' ? 'no' : 'unknown';

  let version: string | null = null;
  if (path) {
    version = readVersion(versionText, rule.version, raws);
  }

  const details: string[] = [];
  if (path) details.push(path);
  else if (path === '' && running !== 'yes') details.push(`no ${rule.binary} found`);
  else if (pathText === undefined) details.push('not reported by the host');
  if (running === 'yes') details.push(`running as ${seenNames.join(', ')}`);
  if (running === 'yes' && !path) details.push(`but no ${rule.binary} program was found (running in a container?)`);
  if (running === 'no' && path) details.push(`no ${rule.processes.map((group) => group.join(' or ')).join(' and ')} process`);
  if (processes.state === 'restricted' && running === 'unknown') details.push('process list hidden from this login');
  if (processes.state === 'missing') details.push('the host did not list its processes');

  if (name === 'mariadb' && path === '') {
    const client = clientOnly(sections.get('client:mariadb'));
    if (client) details.push(`only the client was found: ${client}`);
  }

  return { name, present, running, version, detail: details.join('; '), raw: raws.length > 0 ? boundRaw(raws.join('\n')) : null };
}

/** '' when the script found nothing, the path when it found one, null when the section is missing or odd. */
function readPath(text: string | undefined, raws: string[]): string | null {
  if (text === undefined) return null;
  const line = text.trim();
  if (line === '') return '';
  if (line.includes('\n') || !line.startsWith('/') || printableLine(line, 4096) === null) {
    raws.push(text);
    return null;
  }
  return line;
}

function readVersion(text: string, extract: (text: string) => string | null, raws: string[]): string | null {
  if (text.trim() === '') return null;
  const candidate = extract(text);
  if (candidate !== null && VERSION_PATTERN.test(candidate)) return candidate;
  raws.push(text);
  return null;
}

function clientOnly(text: string | undefined): string | null {
  if (text === undefined) return null;
  const [pathLine = '', ...rest] = text.split('\n');
  const path = printableLine(pathLine, 4096);
  if (path === null || !path.startsWith('/')) return null;
  const distrib = /Distrib (\S+?),/.exec(rest.join('\n'))?.[1] ?? /\sVer (\S+)/.exec(rest.join('\n'))?.[1];
  return distrib !== undefined && VERSION_PATTERN.test(distrib) ? `${path} (${distrib})` : path;
}

type WebmailProduct = 'roundcube' | 'snappymail' | 'sogo';

/**
 * Webmail is PHP in a web server (Roundcube, SnappyMail) or its own daemon (SOGo's sogod). Only sogod can be seen
 * running; for the PHP ones "running" stays unknown rather than being guessed from a web server process.
 */
function nativeWebmail(sections: Map<string, string>, processes: ProcessList): ComponentStatus {
  const raws: string[] = [];
  const pathText = sections.get('path:webmail');
  const versionText = sections.get('version:webmail') ?? '';
  const found: { product: WebmailProduct; path: string }[] = [];
  const versions = new Map<WebmailProduct, string>();

  let pathsReadable = pathText !== undefined;
  for (const line of (pathText ?? '').split('\n')) {
    if (line.trim() === '') continue;
    const match = /^(roundcube|snappymail|sogo) (\/.*)$/.exec(line.trim());
    const path = match ? printableLine(match[2] ?? '', 4096) : null;
    if (match && path !== null) found.push({ product: match[1] as WebmailProduct, path });
    else pathsReadable = false;
  }
  if (pathText !== undefined && !pathsReadable) raws.push(pathText);

  let versionsReadable = true;
  for (const line of versionText.split('\n')) {
    if (line.trim() === '') continue;
    const match = /^(roundcube|snappymail) (?:RCMAIL_VERSION', *')?([^']+?)'?$/.exec(line.trim());
    if (match && VERSION_PATTERN.test(match[2] ?? '')) versions.set(match[1] as WebmailProduct, match[2] ?? '');
    else versionsReadable = false;
  }
  if (!versionsReadable) raws.push(versionText);

  const products = [...new Set(found.map((item) => item.product))];
  const sogodRunning = processes.names.has('sogod');
  let present: TriState;
  if (found.length > 0 || sogodRunning) present = found.length > 0 ? 'yes' : 'unknown';
  else present = pathText !== undefined && pathsReadable ? 'no' : 'unknown';

  let running: TriState;
  if (sogodRunning) running = 'yes';
  else if (processes.state !== 'complete') running = 'unknown';
  else if (products.length === 0) running = 'no';
  else if (products.length === 1 && products[0] === 'sogo') running = 'no';
  else running = 'unknown';

  // With two webmails installed, which one the "version" belongs to would be a guess: name both in the detail instead.
  const version = versions.size === 1 ? ([...versions.values()][0] ?? null) : null;
  const details = found.map(({ product, path }) => {
    const productVersion = versions.get(product);
    return productVersion !== undefined ? `${product} ${productVersion} (${path})` : `${product} (${path})`;
  });
  if (found.length === 0 && present !== 'unknown') details.push('no Roundcube, SnappyMail or SOGo found');
  if (pathText === undefined) details.push('not reported by the host');
  if (sogodRunning) details.push('running as sogod');
  if (running === 'unknown' && processes.state === 'complete' && products.some((p) => p !== 'sogo')) {
    details.push('served by the web server; running state not checked');
  }
  if (processes.state === 'restricted' && !sogodRunning) details.push('process list hidden from this login');

  return { name: 'webmail', present, running, version, detail: details.join('; '), raw: raws.length > 0 ? boundRaw(raws.join('\n')) : null };
}
