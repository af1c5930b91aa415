// Runs the real script on this machine with sh (as root and as nobody when the tests run as root; with ps missing and
// a df without -T), and checks its text for anything that could write or need privileges.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { ComponentStatus } from '../../../shared/contract/fleet';
import { parseHostCheckOutput } from './host-check-parser';
import { HOST_CHECK_ARGV, HOST_CHECK_SCRIPT } from './host-check-script';

const linux = process.platform === 'linux';
const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
/** What sshd gives a login: no sbin folders. */
const LOGIN_PATH = '/usr/local/bin:/usr/bin:/bin';

function runScript(options: { uid?: number; gid?: number; path?: string } = {}) {
  const started = performance.now();
  const [program = 'sh', ...args] = HOST_CHECK_ARGV;
  const result = spawnSync(program, args, {
    cwd: '/',
    env: { PATH: options.path ?? LOGIN_PATH, LANG: 'C.UTF-8' },
    encoding: 'utf8',
    timeout: 10_000,
    ...(options.uid !== undefined ? { uid: options.uid, gid: options.gid ?? options.uid } : {}),
  });
  return { ...result, seconds: (performance.now() - started) / 1000 };
}

test('runs with sh on this machine, exits 0 in under 2 seconds, and its output parses', { skip: !linux && 'needs Linux' }, () => {
  const run = runScript();
  assert.equal(run.error, undefined);
  assert.equal(run.status, 0, run.stderr);
  assert.ok(run.seconds < 2, `took ${run.seconds.toFixed(2)} s`);
  const check = parseHostCheckOutput(run.stdout);
  assert.ok(check.os, 'OS read');
  assert.match(check.kernel ?? '', /^Linux /);
  assert.ok((check.uptimeSeconds ?? 0) > 0);
  assert.equal(check.load?.length, 3);
  assert.ok((check.cpuCount ?? 0) >= 1);
  assert.ok(check.memory && check.memory.totalBytes > 0);
  assert.ok(check.disks.some((disk) => disk.mount === '/'), 'the root file system is listed');
  assertEveryComponentJudged(check);
  assert.deepEqual(check.unparsed, []);
});

/** Every component was looked for, and (the whole process list being visible) judged running or not. */
function assertEveryComponentJudged(check: ReturnType<typeof parseHostCheckOutput>): void {
  for (const component of check.components) {
    ComponentStatus.parse(component);
    assert.doesNotMatch(component.detail, /not reported by the host/, component.name);
    // A PHP webmail (Roundcube, SnappyMail) runs inside the web server: its running state is never judged.
    if (component.name !== 'webmail') assert.notEqual(component.running, 'unknown', `${component.name}: ${component.detail}`);
  }
}

/** What does not change while other tests start and stop the lab's daemons: which programs exist, at which version. */
const installed = (check: ReturnType<typeof parseHostCheckOutput>) => check.components.map((c) => [c.name, c.present, c.version]);

test('an unprivileged login with sshd\'s PATH finds the same components as root', { skip: (!linux || !isRoot) && 'needs Linux and root' }, () => {
  const asRoot = parseHostCheckOutput(runScript().stdout);
  const nobody = runScript({ uid: 65534, gid: 65534 });
  assert.equal(nobody.status, 0, nobody.stderr);
  assert.ok(nobody.seconds < 2);
  const asNobody = parseHostCheckOutput(nobody.stdout);
  assert.deepEqual(installed(asNobody), installed(asRoot));
  assertEveryComponentJudged(asNobody);
  assert.ok(asNobody.memory, 'memory is readable without privileges');
  assert.deepEqual(asNobody.unparsed, []);
});

test('falls back to /proc when ps is missing and to df -Pk when df has no -T', { skip: !linux && 'needs Linux' }, () => {
  const dfPath = spawnSync('sh', ['-c', 'command -v df'], { encoding: 'utf8', env: { PATH: LOGIN_PATH } }).stdout.trim();
  assert.ok(dfPath.startsWith('/'));
  const stubs = mkdtempSync(join(tmpdir(), 'copper-host-check-'));
  try {
    writeFileSync(join(stubs, 'ps'), '#!/bin/sh\nexit 127\n');
    writeFileSync(join(stubs, 'df'), `#!/bin/sh\ncase "$*" in *T*) echo "df: invalid option -- 'T'" >&2; exit 1 ;; esac\nexec ${dfPath} "$@"\n`);
    chmodSync(join(stubs, 'ps'), 0o755);
    chmodSync(join(stubs, 'df'), 0o755);
    const run = runScript({ path: `${stubs}:${LOGIN_PATH}` });
    assert.equal(run.status, 0, run.stderr);
    const check = parseHostCheckOutput(run.stdout);
    const root = check.disks.find((disk) => disk.mount === '/');
    assert.equal(root?.type, 'unknown', 'the df -Pk table has no type column');
    assert.ok((root?.sizeBytes ?? 0) > 0);
    assert.deepEqual(installed(check), installed(parseHostCheckOutput(runScript().stdout)));
    assertEveryComponentJudged(check);
  } finally {
    rmSync(stubs, { recursive: true, force: true });
  }
});

test('the script only reads: every redirection goes to /dev/null or another stream, and no command changes anything', () => {
  const redirections = [...HOST_CHECK_SCRIPT.matchAll(/\d?>>?\s*([^\s;)|]+)/g)].map((match) => match[1]);
  for (const target of redirections) assert.ok(target === '/dev/null' || target === '&1', `redirection to ${target}`);
  const forbidden = /\b(sudo|su|rm|mv|cp|tee|touch|mkdir|chmod|chown|kill|pkill|systemctl|service|dd|ln|install|sed -i|postfix (?:start|stop|reload)|doveadm|rspamc|mysql -e)\b/;
  for (const line of HOST_CHECK_SCRIPT.split('\n')) {
    if (line.trimStart().startsWith('#')) continue;
    assert.doesNotMatch(line.replace(/'[^']*'/g, "''"), forbidden, line);
  }
  assert.ok(HOST_CHECK_SCRIPT.trimEnd().endsWith('exit 0'));
  assert.deepEqual(HOST_CHECK_ARGV.slice(0, 2), ['sh', '-c']);
});

test('the script is plain POSIX sh: dash and BusyBox sh accept it', { skip: !linux && 'needs Linux' }, () => {
  for (const shell of [['dash', '-n'], ['busybox', 'sh', '-n'], ['sh', '-n']]) {
    const [program = 'sh', ...args] = shell;
    const result = spawnSync(program, [...args, '-c', HOST_CHECK_SCRIPT], { encoding: 'utf8' });
    if (result.error && (result.error as NodeJS.ErrnoException).code === 'ENOENT') continue;
    assert.equal(result.status, 0, `${shell.join(' ')}: ${result.stderr}`);
  }
});
