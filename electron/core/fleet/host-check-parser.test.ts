// Fixtures: see fixtures/README.md. Captured on the lab: debian12-lab*.txt (over SSH as copperkey, as root, under
// BusyBox sh, and with ps missing and df without -T). Derived by editing debian12-lab.txt: derived-*.txt. Smaller
// variations are made below from the lab capture with withSection(), each saying what it changes.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { ComponentStatus, DiskUsage, type ComponentName } from '../../../shared/contract/fleet';
import { parseDisksSection, parseHostCheckOutput, parseOsRelease, type ParsedHostCheck } from './host-check-parser';

const fixture = (name: string) => readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8');
const lab = fixture('debian12-lab.txt');

function component(check: ParsedHostCheck, name: ComponentName): ComponentStatus {
  const found = check.components.find((c) => c.name === name);
  assert.ok(found, `component ${name} is always reported`);
  return found;
}

/** The lab capture with one section's body replaced (or removed, with null). */
function withSection(output: string, name: string, body: string | null): string {
  const marker = `@@copper:section ${name}\n`;
  const start = output.indexOf(marker);
  assert.ok(start !== -1, `section ${name} is in the fixture`);
  const next = output.indexOf('\n@@copper:section ', start + marker.length);
  const end = next === -1 ? output.length : next + 1;
  return output.slice(0, start) + (body === null ? '' : `${marker}${body}\n`) + output.slice(end);
}

/** Everything the parser returns fits the contract the renderer and the database rely on. */
function assertFitsContract(check: ParsedHostCheck): void {
  for (const disk of check.disks) DiskUsage.parse(disk);
  for (const c of check.components) ComponentStatus.parse(c);
  assert.deepEqual(
    check.components.map((c) => c.name),
    ['postfix', 'dovecot', 'rspamd', 'clamd', 'slapd', 'redis', 'mariadb', 'webmail', 'docker'],
  );
  if (check.load) assert.equal(check.load.length, 3);
}

test('reads the lab host as captured over SSH: Debian 12, kernel, uptime, load, memory and the root disk', () => {
  const check = parseHostCheckOutput(lab);
  assertFitsContract(check);
  assert.equal(check.os, 'Debian GNU/Linux 12 (bookworm)');
  assert.match(check.kernel ?? '', /^Linux \S+ x86_64$/);
  assert.ok((check.uptimeSeconds ?? 0) > 0);
  assert.ok(check.load && check.load.every((value) => Number.isFinite(value) && value >= 0));
  assert.equal(check.cpuCount, 2);
  assert.ok(check.memory && check.memory.totalBytes > 0 && check.memory.availableBytes <= check.memory.totalBytes);
  // MemTotal is printed in kB meaning KiB: 24684092 kB.
  assert.equal(check.memory?.totalBytes, 24684092 * 1024);
  const root = check.disks.find((disk) => disk.mount === '/');
  assert.deepEqual(root, {
    mount: '/',
    filesystem: '/dev/vda',
    type: 'ext4',
    sizeBytes: 264212084 * 1024,
    usedBytes: 24560608 * 1024,
    availableBytes: 81830304 * 1024,
    usePercent: 24,
  });
  assert.deepEqual(check.unparsed, []);
});

for (const name of ['debian12-lab.txt', 'debian12-lab-root.txt', 'debian12-lab-busybox.txt', 'debian12-lab-no-ps-no-df-type.txt']) {
  test(`finds the lab's Postfix, Dovecot, Rspamd, slapd and Docker running with versions, and no ClamAV, Redis or MariaDB (${name})`, () => {
    const check = parseHostCheckOutput(fixture(name));
    assertFitsContract(check);
    const expected: Array<[ComponentName, string, string]> = [
      ['postfix', '3.7.11', '/usr/sbin/postconf'],
      ['dovecot', '2.3.19.1', '/usr/sbin/dovecot'],
      ['rspamd', '3.4', '/usr/bin/rspamd'],
      ['slapd', '2.5.13+dfsg-5', '/usr/sbin/slapd'],
      ['docker', '20.10.24+dfsg1', '/usr/sbin/dockerd'],
    ];
    for (const [componentName, version, path] of expected) {
      const status = component(check, componentName);
      assert.equal(status.present, 'yes', componentName);
      assert.equal(status.running, 'yes', componentName);
      assert.equal(status.version, version);
      assert.ok(status.detail.startsWith(path), status.detail);
      assert.equal(status.raw, null);
    }
    assert.match(component(check, 'postfix').detail, /running as master, qmgr, pickup/);
    for (const absent of ['clamd', 'redis', 'mariadb', 'webmail'] as const) {
      const status = component(check, absent);
      assert.deepEqual([status.present, status.running, status.version], ['no', 'no', null], absent);
    }
    assert.deepEqual(check.unparsed, []);
  });
}

test('reads df without a type column and the /proc process list when ps is missing (captured fallbacks)', () => {
  const check = parseHostCheckOutput(fixture('debian12-lab-no-ps-no-df-type.txt'));
  const root = check.disks.find((disk) => disk.mount === '/');
  assert.equal(root?.type, 'unknown');
  assert.equal(root?.filesystem, '/dev/vda');
  assert.equal(root?.sizeBytes, 264212084 * 1024);
  assert.ok(check.disks.every((disk) => disk.type === 'unknown'));
});

test('reads ClamAV, Redis, MariaDB and Roundcube as Debian 12 packages report them, and a stopped MariaDB', () => {
  const check = parseHostCheckOutput(fixture('derived-full-stack.txt'));
  assertFitsContract(check);
  assert.deepEqual(component(check, 'clamd'), {
    name: 'clamd',
    present: 'yes',
    running: 'yes',
    version: '1.4.6',
    detail: '/usr/sbin/clamd; running as clamd',
    raw: null,
  });
  assert.equal(component(check, 'redis').version, '7.0.15');
  assert.equal(component(check, 'redis').running, 'yes');
  const mariadb = component(check, 'mariadb');
  assert.deepEqual([mariadb.present, mariadb.running, mariadb.version], ['yes', 'no', '10.11.19-MariaDB-0+deb12u1']);
  assert.equal(mariadb.detail, '/usr/sbin/mariadbd; no mariadbd or mysqld process');
  const webmail = component(check, 'webmail');
  assert.equal(webmail.present, 'yes');
  assert.equal(webmail.running, 'unknown', 'Roundcube runs inside the web server: not judged');
  assert.equal(webmail.version, '1.6.5');
  assert.match(webmail.detail, /roundcube 1\.6\.5 \(\/usr\/share\/roundcube\)/);
});

test('keeps garbage as raw text and reports every value as unknown, without throwing', () => {
  const garbage = fixture('derived-garbage.txt');
  const check = parseHostCheckOutput(garbage);
  assertFitsContract(check);
  assert.deepEqual(
    [check.os, check.kernel, check.uptimeSeconds, check.load, check.memory, check.cpuCount],
    [null, null, null, null, null, null],
  );
  assert.deepEqual(check.disks, []);
  for (const status of check.components) {
    assert.equal(status.present, 'unknown', status.name);
    assert.equal(status.running, 'unknown', status.name);
    assert.equal(status.version, null);
  }
  assert.deepEqual(check.unparsed, [{ section: 'preamble', raw: garbage.trimEnd() }]);
});

test('answers "unknown" for empty output and for input that is not a string', () => {
  for (const input of ['', '\n\n', undefined as unknown as string, 42 as unknown as string]) {
    const check = parseHostCheckOutput(input);
    assertFitsContract(check);
    assert.equal(check.os, null);
    assert.deepEqual(check.unparsed, []);
    assert.ok(check.components.every((c) => c.present === 'unknown' && c.running === 'unknown'));
  }
});

test('refuses escape sequences and markup as versions or OS name, and keeps them as raw text', () => {
  const check = parseHostCheckOutput(fixture('derived-hostile.txt'));
  assertFitsContract(check);
  assert.equal(check.os, null);
  assert.ok(check.unparsed.find((entry) => entry.section === 'os')?.raw.includes('PRETTY_NAME="\u001b[31mDebian\u001b[0m <script>'));
  const postfix = component(check, 'postfix');
  assert.equal(postfix.version, null);
  assert.equal(postfix.raw, '3.7.11<script>alert(1)</script>');
  const dovecot = component(check, 'dovecot');
  assert.equal(dovecot.version, null);
  assert.equal(dovecot.raw, '\u001b[1m2.3.19.1\u001b[0m (9b53102964)');
  // What is still well-formed is still read.
  assert.equal(component(check, 'rspamd').version, '3.4');
  assert.equal(check.kernel, 'Linux 6.18.44-fc-v657 x86_64');
});

test('refuses numbers too large to be exact instead of rounding them, keeping the other disks', () => {
  const check = parseHostCheckOutput(fixture('derived-hostile.txt'));
  assert.equal(check.uptimeSeconds, null);
  assert.equal(check.memory, null);
  assert.equal(check.load, null);
  const sections = check.unparsed.map((entry) => entry.section);
  for (const section of ['uptime', 'memory', 'load', 'disks']) assert.ok(sections.includes(section), section);
  assert.ok(check.disks.some((disk) => disk.mount === '/'));
  assert.ok(!check.disks.some((disk) => disk.mount === '/huge'));
  assert.match(check.unparsed.find((entry) => entry.section === 'disks')?.raw ?? '', /^Filesystem.*\n\/dev\/huge /);
});

test('trusts the first copy of a section only, and keeps a banner and unknown sections as raw text', () => {
  const check = parseHostCheckOutput(fixture('derived-hostile.txt'));
  assert.equal(check.unparsed.find((entry) => entry.section === 'processes')?.raw, '    1 init\n  100 master\n  101 qmgr');
  assert.equal(check.unparsed.find((entry) => entry.section === 'preamble')?.raw, 'Welcome to mx1 <b>prod</b>');
  assert.equal(check.unparsed.find((entry) => entry.section === 'future-thing')?.raw, 'something a newer script prints');
  // slapd's version line came before the forged marker, so it is still read.
  assert.equal(component(check, 'slapd').version, '2.5.13+dfsg-5');
});

test('says "unknown", not "not running", when /proc hides other users\' processes (hidepid)', () => {
  const check = parseHostCheckOutput(fixture('derived-hidepid.txt'));
  const postfix = component(check, 'postfix');
  assert.deepEqual([postfix.present, postfix.running], ['yes', 'unknown']);
  assert.match(postfix.detail, /process list hidden from this login/);
  // Absent components stay absent: the binary search does not depend on the process list.
  assert.deepEqual([component(check, 'redis').present, component(check, 'redis').running], ['no', 'unknown']);
});

test('does not trust the last section of output that was cut short', () => {
  const check = parseHostCheckOutput(fixture('derived-truncated.txt'));
  assertFitsContract(check);
  assert.equal(check.os, 'Debian GNU/Linux 12 (bookworm)');
  assert.ok(check.disks.some((disk) => disk.mount === '/'));
  // The process list was cut: daemons listed after the cut would look stopped.
  for (const status of check.components) {
    assert.equal(status.running, 'unknown', status.name);
    assert.equal(status.present, 'unknown', status.name);
  }
  assert.equal(check.unparsed.length, 1);
  assert.equal(check.unparsed[0]?.section, 'processes');
  assert.match(check.unparsed[0]?.raw ?? '', /\n {4}77 kwor$/);
});

test('a cut-short version is not read as an older version', () => {
  const cut = lab.slice(0, lab.indexOf('@@copper:section version:postfix')) + '@@copper:section version:postfix\n3.7';
  const postfix = component(parseHostCheckOutput(cut), 'postfix');
  assert.equal(postfix.version, null);
  assert.equal(postfix.present, 'yes');
});

test('reads output with CRLF line endings the same', () => {
  assert.deepEqual(parseHostCheckOutput(lab.replace(/\n/g, '\r\n')), parseHostCheckOutput(lab));
});

test('gives no memory figure when MemAvailable is missing (kernels before 3.14) or larger than MemTotal', () => {
  const memory = lab.slice(lab.indexOf('@@copper:section memory\n') + 24, lab.indexOf('\n@@copper:section disks'));
  const withoutAvailable = memory.replace(/^MemAvailable:.*\n/m, '');
  assert.equal(parseHostCheckOutput(withSection(lab, 'memory', withoutAvailable)).memory, null);
  const inconsistent = memory.replace(/^MemAvailable:\s+\d+/m, 'MemAvailable:   99999999');
  const check = parseHostCheckOutput(withSection(lab, 'memory', inconsistent));
  assert.equal(check.memory, null);
  assert.equal(check.unparsed[0]?.section, 'memory');
});

test('Postfix counts as running only with master and qmgr or pickup', () => {
  const onlyMaster = withSection(lab, 'processes', '    1 init\n  500 master');
  assert.equal(component(parseHostCheckOutput(onlyMaster), 'postfix').running, 'no');
  const masterAndQmgr = withSection(lab, 'processes', '    1 init\n  500 master\n  501 qmgr');
  assert.equal(component(parseHostCheckOutput(masterAndQmgr), 'postfix').running, 'yes');
});

test('a daemon running without its program on PATH is "running", with presence unknown', () => {
  // e.g. Postfix in a container: its processes are visible on the host, its postconf is not.
  const check = parseHostCheckOutput(withSection(lab, 'path:postfix', ''));
  const postfix = component(check, 'postfix');
  assert.deepEqual([postfix.present, postfix.running, postfix.version], ['unknown', 'yes', null]);
  assert.match(postfix.detail, /running as master, qmgr, pickup; but no postconf program was found/);
});

test('a MariaDB client alone is not a MariaDB server', () => {
  const output = withSection(
    lab,
    'client:mariadb',
    '/usr/bin/mariadb\n/usr/bin/mariadb  Ver 15.1 Distrib 10.11.19-MariaDB, for debian-linux-gnu (x86_64) using  EditLine wrapper',
  );
  const mariadb = component(parseHostCheckOutput(output), 'mariadb');
  assert.deepEqual([mariadb.present, mariadb.running, mariadb.version], ['no', 'no', null]);
  assert.equal(mariadb.detail, 'no mariadbd or mysqld found; only the client was found: /usr/bin/mariadb (10.11.19-MariaDB)');
});

test('webmail: SOGo is judged by its sogod process; two webmails give no single version', () => {
  let output = withSection(lab, 'path:webmail', 'sogo /usr/sbin/sogod');
  assert.deepEqual(pick(component(parseHostCheckOutput(output), 'webmail')), ['yes', 'no', null]);
  output = withSection(output, 'processes', '    1 init\n  700 sogod');
  assert.deepEqual(pick(component(parseHostCheckOutput(output), 'webmail')), ['yes', 'yes', null]);

  output = withSection(lab, 'path:webmail', 'roundcube /var/www/roundcube\nsnappymail /var/www/snappymail');
  output = withSection(output, 'version:webmail', "roundcube RCMAIL_VERSION', '1.6.9'\nsnappymail 2.36.4");
  const webmail = component(parseHostCheckOutput(output), 'webmail');
  assert.deepEqual(pick(webmail), ['yes', 'unknown', null]);
  assert.match(webmail.detail, /^roundcube 1\.6\.9 \(\/var\/www\/roundcube\); snappymail 2\.36\.4 \(\/var\/www\/snappymail\)/);

  function pick(status: ComponentStatus) {
    return [status.present, status.running, status.version];
  }
});

test('reads os-release as Alpine, RHEL and hand-edited files write it', () => {
  assert.equal(parseOsRelease('NAME="Alpine Linux"\nID=alpine\nVERSION_ID=3.19.1\nPRETTY_NAME="Alpine Linux v3.19"'), 'Alpine Linux v3.19');
  assert.equal(parseOsRelease('NAME="Red Hat Enterprise Linux"\nVERSION="9.3 (Plow)"'), 'Red Hat Enterprise Linux 9.3 (Plow)');
  assert.equal(parseOsRelease("PRETTY_NAME='Ubuntu 22.04.4 LTS'"), 'Ubuntu 22.04.4 LTS');
  assert.equal(parseOsRelease('PRETTY_NAME="Copper \\"hardened\\" 1"'), 'Copper "hardened" 1');
  assert.equal(parseOsRelease('PRETTY_NAME="unterminated'), null);
  assert.equal(parseOsRelease('ID=debian'), null);
});

test('reads df in 512-byte blocks, with blanks in mount points, and without a capacity figure', () => {
  const { disks, rejected } = parseDisksSection(
    [
      'Filesystem     512-blocks      Used Available Capacity Mounted on',
      '/dev/sda1        2000000   1000000    900000      53% /',
      'map auto_home          0         0         0     100% /System/Volumes/Data/home',
      '/dev/sdb1        1000    500    400      - /mnt/backup disk',
      'not a df row',
    ].join('\n'),
  );
  assert.equal(disks[0]?.sizeBytes, 2000000 * 512);
  assert.equal(disks[1]?.filesystem, 'map auto_home');
  assert.equal(disks[2]?.mount, '/mnt/backup disk');
  assert.equal(disks[2]?.usePercent, 56, 'computed as df does: used / (used + available), rounded up');
  assert.equal(rejected, 'Filesystem     512-blocks      Used Available Capacity Mounted on\nnot a df row');
  assert.deepEqual(parseDisksSection('df: cannot read table of mounted file systems'), {
    disks: [],
    rejected: 'df: cannot read table of mounted file systems',
  });
});

test('stays fast on hostile output: long blank runs and megabyte lines', () => {
  const blanks = ' '.repeat(200_000);
  const hostile = [
    withSection(lab, 'disks', `Filesystem Type 1024-blocks Used Available Capacity Mounted on\n/dev/x${blanks}x 1 2 3${blanks}4`),
    withSection(lab, 'processes', `    1 init\n  2 a${blanks}b${blanks}`),
    `${blanks}\n${'x'.repeat(1_000_000)}${blanks}y\n${lab}`,
    withSection(lab, 'version:postfix', `${'9'.repeat(500_000)}${blanks}`),
  ];
  for (const output of hostile) {
    const started = performance.now();
    const check = parseHostCheckOutput(output);
    assert.ok(performance.now() - started < 1000, 'parsed in under a second');
    assertFitsContract(check);
    for (const entry of check.unparsed) assert.ok(entry.raw.length < 17_000, 'raw text is bounded');
  }
});

test('never throws and always fits the contract, whatever is cut, repeated or scrambled', () => {
  // A small deterministic generator, so a failure can be replayed.
  let seed = 20_240_601;
  const random = (below: number) => {
    seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
    return seed % below;
  };
  const alphabet = ['\n', ' ', '%', '/', '@@copper:section ', 'processes', 'disks', '\u001b[0m', '<', '9', '-', '\u0000', 'é'];
  for (let round = 0; round < 300; round++) {
    let output = lab;
    for (let edit = 0; edit < 1 + random(8); edit++) {
      const at = random(output.length);
      const kind = random(4);
      if (kind === 0) output = output.slice(0, at) + output.slice(at + random(200));
      else if (kind === 1) output = output.slice(0, at) + (alphabet[random(alphabet.length)] ?? '') + output.slice(at);
      else if (kind === 2) output = output.slice(0, at) + output.slice(random(output.length), random(output.length)) + output.slice(at);
      else output = output.slice(0, at);
    }
    const check = parseHostCheckOutput(output);
    assertFitsContract(check);
    for (const status of check.components) {
      if (status.version !== null) assert.match(status.version, /^[0-9][0-9A-Za-z.+~:_-]*$/);
    }
  }
});
