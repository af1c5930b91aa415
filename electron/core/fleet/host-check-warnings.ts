/**
 * Plain-language problems in a host check, for an operator who is not a Linux expert: a full disk, memory running out,
 * a load the CPUs cannot keep up with, a component installed but stopped. Pure; judges only what was actually read:
 * a null field gives no warning, and components whose running state is unknown are named once, as not known.
 */
import type { ComponentName, HostCheck } from '../../../shared/contract/fleet';
import type { ParsedHostCheck } from './host-check-parser';

export type HostCheckFacts = Pick<HostCheck, 'disks' | 'memory' | 'load' | 'components'> &
  Partial<Pick<HostCheck, 'unparsed'>> &
  Partial<Pick<ParsedHostCheck, 'cpuCount'>>;

export const DISK_FULL_PERCENT = 90;
export const DISK_FILLING_PERCENT = 80;
export const MEMORY_LOW_FRACTION = 0.05;
/** Load above this many times the CPU count means work is queueing, not just busy. */
export const LOAD_PER_CPU_LIMIT = 2;

export const COMPONENT_LABELS: Record<ComponentName, string> = {
  postfix: 'Postfix',
  dovecot: 'Dovecot',
  rspamd: 'Rspamd',
  clamd: 'ClamAV (clamd)',
  slapd: 'OpenLDAP (slapd)',
  redis: 'Redis',
  mariadb: 'MariaDB',
  webmail: 'Webmail',
  docker: 'Docker',
};

/** Filesystems that are full by design (snap and ISO images, container layers) or that repeat another one. */
const IMAGE_FILESYSTEM_TYPES = new Set(['squashfs', 'iso9660', 'udf', 'erofs', 'cramfs', 'overlay', 'aufs']);
const CONTAINER_MOUNT_PREFIXES = ['/snap/', '/var/lib/docker/', '/run/docker/', '/var/lib/containers/', '/run/containers/'];

export function hostCheckWarnings(check: HostCheckFacts): string[] {
  return [
    ...diskWarnings(check.disks),
    ...memoryWarnings(check.memory),
    ...loadWarnings(check.load, check.cpuCount ?? null),
    ...componentWarnings(check.components),
    ...unreadWarnings(check.unparsed ?? []),
  ];
}

function diskWarnings(disks: HostCheck['disks']): string[] {
  const warnings: string[] = [];
  // BusyBox df lists a bind mount as often as it is mounted: one warning per filesystem.
  const seen = new Set<string>();
  for (const disk of disks) {
    if (disk.sizeBytes === 0 || IMAGE_FILESYSTEM_TYPES.has(disk.type)) continue;
    if (CONTAINER_MOUNT_PREFIXES.some((prefix) => disk.mount.startsWith(prefix))) continue;
    const key = `${disk.filesystem}\u0000${disk.sizeBytes}\u0000${disk.usedBytes}\u0000${disk.availableBytes}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const free = formatBytes(disk.availableBytes);
    if (disk.usePercent >= DISK_FULL_PERCENT) warnings.push(`Disk ${disk.mount} is ${disk.usePercent}% full (${free} free)`);
    else if (disk.usePercent >= DISK_FILLING_PERCENT) warnings.push(`Disk ${disk.mount} is filling up: ${disk.usePercent}% used (${free} free)`);
  }
  return warnings;
}

function memoryWarnings(memory: HostCheck['memory']): string[] {
  if (memory === null || memory.totalBytes <= 0) return [];
  const fraction = memory.availableBytes / memory.totalBytes;
  if (fraction >= MEMORY_LOW_FRACTION) return [];
  const percent = fraction < 0.01 ? 'less than 1%' : `${Math.round(fraction * 100)}%`;
  return [`Memory is nearly exhausted: ${percent} available (${formatBytes(memory.availableBytes)} of ${formatBytes(memory.totalBytes)})`];
}

function loadWarnings(load: HostCheck['load'], cpuCount: number | null): string[] {
  if (load === null || cpuCount === null || cpuCount <= 0) return [];
  const [lastMinute] = load;
  if (lastMinute <= LOAD_PER_CPU_LIMIT * cpuCount) return [];
  return [`Load is high: ${lastMinute} over the last minute on ${cpuCount} CPU${cpuCount === 1 ? '' : 's'}`];
}

function componentWarnings(components: HostCheck['components']): string[] {
  const warnings: string[] = [];
  const undetermined: string[] = [];
  for (const component of components) {
    const label = COMPONENT_LABELS[component.name];
    if (component.present === 'yes' && component.running === 'no') warnings.push(`${label} is installed but not running`);
    if (component.running === 'yes' && /\bunhealthy\b/.test(component.detail)) {
      warnings.push(`${label} is running but reported unhealthy (${component.detail})`);
    }
    // A PHP webmail runs inside the web server: not knowing whether it runs is normal, not a problem to report.
    if (component.present !== 'no' && component.running === 'unknown' && component.name !== 'webmail') undetermined.push(label);
  }
  if (undetermined.length > 0) {
    warnings.push(`Could not tell whether ${joinNames(undetermined)} ${undetermined.length === 1 ? 'is' : 'are'} running; see the details`);
  }
  return warnings;
}

function joinNames(names: string[]): string {
  return names.length <= 1 ? names.join('') : `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]}`;
}

function unreadWarnings(unparsed: HostCheck['unparsed']): string[] {
  if (unparsed.length === 0) return [];
  const sections = [...new Set(unparsed.map((entry) => entry.section))].join(', ');
  return [`Part of the host's answer could not be read (${sections}); it is kept as raw text`];
}

/** Decimal units, as disk vendors and `df -H` count: 2.1 GB is 2.1 × 10⁹ bytes. */
export function formatBytes(bytes: number): string {
  const units = ['bytes', 'kB', 'MB', 'GB', 'TB', 'PB', 'EB'];
  let value = bytes;
  let unit = 0;
  while (value >= 999.5 && unit < units.length - 1) {
    value /= 1000;
    unit += 1;
  }
  if (unit === 0) return `${bytes} bytes`;
  const shown = value < 10 ? value.toFixed(1) : Math.round(value).toString();
  return `${shown} ${units[unit]}`;
}
