// Fixtures: debian12-lab.txt is captured from the lab; derived-*.txt are edited copies (see fixtures/README.md).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import type { ComponentStatus, HostCheck } from '../../../shared/contract/fleet';
import { parseHostCheckOutput } from './host-check-parser';
import { formatBytes, hostCheckWarnings, type HostCheckFacts } from './host-check-warnings';

const fixture = (name: string) => readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8');

const disk = (mount: string, usePercent: number, availableBytes: number, extra: Partial<HostCheck['disks'][number]> = {}) => ({
  mount,
  filesystem: `/dev/${mount.replace(/\W/g, '') || 'root'}`,
  type: 'ext4',
  sizeBytes: 100e9,
  usedBytes: 100e9 - availableBytes,
  availableBytes,
  usePercent,
  ...extra,
});

const quiet: HostCheckFacts = { disks: [], memory: null, load: null, components: [] };

test('the healthy lab host gives no warning', () => {
  assert.deepEqual(hostCheckWarnings(parseHostCheckOutput(fixture('debian12-lab.txt'))), []);
});

test('names a 95%-full disk with its free space, a disk filling up, low memory, high load and a stopped Postfix', () => {
  assert.deepEqual(hostCheckWarnings(parseHostCheckOutput(fixture('derived-trouble.txt'))), [
    'Disk / is 95% full (14 GB free)',
    'Disk /var is filling up: 85% used (16 GB free)',
    'Memory is nearly exhausted: 3% available (758 MB of 25 GB)',
    'Load is high: 9.5 over the last minute on 2 CPUs',
    'Postfix is installed but not running',
  ]);
});

test('does not warn for snap images, container layers, empty pseudo filesystems or a second listing of one disk', () => {
  const warnings = hostCheckWarnings({
    ...quiet,
    disks: [
      disk('/', 93, 2.1e9),
      disk('/srv/bind-of-root', 93, 2.1e9, { filesystem: '/dev/root' }),
      disk('/snap/core20/2105', 100, 0, { type: 'squashfs', filesystem: '/dev/loop0' }),
      disk('/var/lib/docker/overlay2/abc/merged', 97, 1e9, { type: 'overlay', filesystem: 'overlay' }),
      disk('/proc/x', 100, 0, { sizeBytes: 0, type: 'proc' }),
    ],
  });
  assert.deepEqual(warnings, ['Disk / is 93% full (2.1 GB free)']);
});

test('judges the load only when the CPU count is known', () => {
  const load: HostCheck['load'] = [9.5, 3, 1];
  assert.deepEqual(hostCheckWarnings({ ...quiet, load }), []);
  assert.deepEqual(hostCheckWarnings({ ...quiet, load, cpuCount: null }), []);
  assert.deepEqual(hostCheckWarnings({ ...quiet, load, cpuCount: 8 }), []);
  assert.deepEqual(hostCheckWarnings({ ...quiet, load, cpuCount: 1 }), ['Load is high: 9.5 over the last minute on 1 CPU']);
});

test('warns of a stopped component, an unhealthy container, and components whose state is unknown', () => {
  const status = (name: ComponentStatus['name'], present: ComponentStatus['present'], running: ComponentStatus['running'], detail = '') =>
    ({ name, present, running, version: null, detail, raw: null }) satisfies ComponentStatus;
  const warnings = hostCheckWarnings({
    ...quiet,
    components: [
      status('postfix', 'yes', 'yes', 'mailserver (unhealthy)'),
      status('dovecot', 'yes', 'no'),
      status('rspamd', 'yes', 'unknown'),
      status('slapd', 'unknown', 'unknown'),
      status('redis', 'no', 'no'),
      status('mariadb', 'no', 'unknown'),
      status('webmail', 'yes', 'unknown'),
    ],
  });
  assert.deepEqual(warnings, [
    'Postfix is running but reported unhealthy (mailserver (unhealthy))',
    'Dovecot is installed but not running',
    'Could not tell whether Rspamd and OpenLDAP (slapd) are running; see the details',
  ]);
});

test('says when running states are hidden and when part of the answer could not be read', () => {
  const check = parseHostCheckOutput(`Last login: yesterday\n${fixture('derived-hidepid.txt')}`);
  assert.deepEqual(hostCheckWarnings(check), [
    'Could not tell whether Postfix, Dovecot, Rspamd, OpenLDAP (slapd) and Docker are running; see the details',
    "Part of the host's answer could not be read (preamble); it is kept as raw text",
  ]);
  assert.deepEqual(hostCheckWarnings({ ...quiet, unparsed: [{ section: 'disks', raw: 'x' }, { section: 'disks', raw: 'y' }] }), [
    "Part of the host's answer could not be read (disks); it is kept as raw text",
  ]);
});

test('memory: warns below 5% available, not at 5%', () => {
  assert.deepEqual(hostCheckWarnings({ ...quiet, memory: { totalBytes: 1000, availableBytes: 50 } }), []);
  assert.deepEqual(hostCheckWarnings({ ...quiet, memory: { totalBytes: 16e9, availableBytes: 0.1e9 } }), [
    'Memory is nearly exhausted: less than 1% available (100 MB of 16 GB)',
  ]);
});

test('formats sizes in decimal units', () => {
  assert.equal(formatBytes(0), '0 bytes');
  assert.equal(formatBytes(999), '999 bytes');
  assert.equal(formatBytes(2_100_000_000), '2.1 GB');
  assert.equal(formatBytes(13_528_111_104), '14 GB');
  assert.equal(formatBytes(999_600_000), '1.0 GB');
  assert.equal(formatBytes(3e18), '3.0 EB');
});
