import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { HostCheck } from '../../shared/contract';
import { confirmAndRun, tempCore, type TempCore } from '../support/temp-core';
import { lab, readKey, type Lab } from '../support/lab';
import { runCopper } from '../support/run-copper';

describe('host checks, the fleet and Docker over SSH against the lab', () => {
  let t: TempCore;
  let l: Lab;

  before(async () => {
    l = lab();
    t = tempCore();
    await confirmAndRun(t.client, 'inventory.sites.create', { name: 'lab' });
    const key = readKey(l.users.key.privateKey);
    const base = { site: 'lab', ssh: { user: l.users.key.name, address: '127.0.0.1', port: l.ssh.port }, auth: 'key', privateKey: key, pinnedFingerprint: l.ssh.hostKeyFingerprint };
    await confirmAndRun(t.client, 'inventory.hosts.create', { ...base, name: 'mx-native' });
    await confirmAndRun(t.client, 'inventory.hosts.create', { ...base, name: 'mx-docker', mode: 'docker', dockerSocket: l.docker.socket });
    await confirmAndRun(t.client, 'inventory.hosts.create', { ...base, name: 'mx-down', ssh: { user: 'x', address: '127.0.0.1', port: 1 } });
  });
  after(() => t.close());

  const component = (check: HostCheck, name: string) => check.components.find((c) => c.name === name);

  test('checks a native host: reachable, OS, disks, memory, and Postfix running with its version', async () => {
    const check = await t.client.task('fleet.check', { host: 'mx-native' });
    assert.equal(check.reachable, true);
    assert.equal(check.error, null);
    assert.ok((check.latencyMs ?? -1) >= 0);
    assert.match(check.os ?? '', /Debian/);
    assert.ok(check.disks.some((d) => d.mount === '/'));
    assert.ok((check.memory?.totalBytes ?? 0) > 0);
    assert.equal(component(check, 'postfix')?.running, 'yes');
    assert.match(component(check, 'postfix')?.version ?? '', /^3\./);
    assert.equal(component(check, 'slapd')?.running, 'yes');
    assert.equal(component(check, 'clamd')?.present, 'no');
  });

  test('checks a docker-mode host through the Docker socket over SSH', async () => {
    const check = await t.client.task('fleet.check', { host: 'mx-docker' });
    assert.equal(check.reachable, true);
    assert.equal(check.error, null, check.error?.message);
    assert.equal(component(check, 'docker')?.running, 'yes');
    const containers = await t.client.query('docker.containers', { host: 'mx-docker' });
    const web = containers.find((c) => c.name === l.docker.container);
    assert.equal(web?.state, 'running');
  });

  test('restarts a container only through a confirmed plan, and reads its logs', async () => {
    const { plan } = await t.client.plan('docker.restart', { host: 'mx-docker', container: l.docker.container });
    assert.equal(plan.destructive, true);
    assert.match(plan.summary, new RegExp(l.docker.container));
    const restarted = await confirmAndRun<{ state: string }>(t.client, 'docker.restart', { host: 'mx-docker', container: l.docker.container });
    assert.equal(restarted.state, 'running');
    const logs = await t.client.task('docker.logs', { host: 'mx-docker', container: l.docker.container, tail: 50 });
    assert.equal(typeof logs.truncated, 'boolean');
    const [record] = (await t.client.query('audit.list', {})).records;
    assert.equal(record?.operation, 'docker.restart');
    assert.equal(record?.host, 'mx-docker');
  });

  test('stops a container only through a confirmed plan over SSH, and the audit trail records it', async () => {
    // A throw-away container of its own (no network), so the lab's long-running one keeps serving the other tests.
    const name = `copper-test-stop-${randomBytes(4).toString('hex')}`;
    const docker = (...args: string[]) => spawnSync('docker', ['-H', `unix://${l.docker.socket}`, ...args], { encoding: 'utf8' });
    const started = docker('run', '-d', '--name', name, '--network', 'none', l.docker.image, 'sh', '-c', 'trap "exit 0" TERM; sleep 3600 & wait');
    assert.equal(started.status, 0, started.stderr);
    try {
      const { plan } = await t.client.plan('docker.stop', { host: 'mx-docker', container: name });
      assert.equal(plan.destructive, false);
      assert.deepEqual(plan.changes.map((c) => c.target), [`container ${name}`]);
      assert.ok(plan.warnings.includes(`Mail delivery through ${name} stops until the container is started again.`), plan.warnings.join(' | '));
      const stopped = await confirmAndRun<{ state: string; exitCode: number | null; alreadyStopped: boolean }>(t.client, 'docker.stop', { host: 'mx-docker', container: name });
      assert.deepEqual(stopped, { container: name, state: 'exited', exitCode: 0, alreadyStopped: false });
      assert.equal(docker('inspect', '--format', '{{.State.Running}}', name).stdout.trim(), 'false');
      const [record] = (await t.client.query('audit.list', {})).records;
      assert.equal(record?.operation, 'docker.stop');
      assert.equal(record?.host, 'mx-docker');
    } finally {
      docker('rm', '-f', name);
    }
  });

  test('runs programs inside a container through SSH exactly as on the host', async () => {
    const target = await t.core.exec.inContainer('mx-docker', l.docker.container);
    const tricky = `a'b"c $(id); \n x`;
    const echoed = await target.run({ argv: ['printf', '%s', tricky] });
    assert.deepEqual([echoed.exitCode, echoed.stdout], [0, tricky]);
    const failing = await target.run({ argv: ['sh', '-c', 'echo out; echo err >&2; exit 4'] });
    assert.deepEqual([failing.exitCode, failing.stdout, failing.stderr], [4, 'out\n', 'err\n']);
    assert.equal((await target.run({ argv: ['cat'], stdin: 'via stdin' })).stdout, 'via stdin');
    const onHost = await t.core.exec.onHost('mx-native').run({ argv: ['printf', '%s', tricky] });
    assert.equal(onHost.stdout, echoed.stdout);
  });

  test('sweeps the fleet in parallel with progress; an unreachable host is reported, not fatal', async () => {
    const progress: number[] = [];
    const checks = await t.client.task('fleet.status', { concurrency: 2 }, { onProgress: (p) => progress.push(p.done) });
    assert.deepEqual(checks.map((c) => c.host), ['mx-docker', 'mx-down', 'mx-native']);
    assert.equal(checks.find((c) => c.host === 'mx-down')?.error?.code, 'HOST_UNREACHABLE');
    assert.ok(progress.includes(3));
    const last = await t.client.query('fleet.last', {});
    assert.equal(last.length, 3, 'last-seen results are kept for the overview');
  });
});

describe('copper host trust / host check / fleet status', () => {
  test('refuses an untrusted host (exit 3), pins with --fingerprint, then checks it', async () => {
    const l = lab();
    const home = mkdtempSync(join(tmpdir(), 'copper-cli-fleet-'));
    const copper = (...args: string[]) => runCopper(['--data-dir', home, ...args], { env: { COPPER_PASSPHRASE: 'integration-passphrase-1' } });
    await copper('site', 'add', 'lab');
    const added = await copper('host', 'add', 'mx', '--site', 'lab', '--ssh', `${l.users.key.name}@127.0.0.1:${l.ssh.port}`, '--identity', l.users.key.privateKey);
    assert.equal(added.code, 0, added.stderr);
    const untrusted = await copper('--json', 'host', 'check', 'mx');
    assert.equal(untrusted.code, 3);
    assert.equal(JSON.parse(untrusted.stdout).error.code, 'HOST_KEY_UNKNOWN');
    const wrong = await copper('host', 'trust', 'mx', '--fingerprint', l.jump.hostKeyFingerprint);
    assert.equal(wrong.code, 3);
    assert.ok(wrong.stderr.includes(l.ssh.hostKeyFingerprint), 'names the presented key');
    const noTerminal = await copper('host', 'trust', 'mx');
    assert.equal(noTerminal.code, 2, 'without a terminal or --fingerprint nothing is pinned');
    const trusted = await copper('host', 'trust', 'mx', '--fingerprint', l.ssh.hostKeyFingerprint);
    assert.equal(trusted.code, 0, trusted.stderr);
    const checked = await copper('host', 'check', 'mx');
    assert.equal(checked.code, 0, checked.stderr);
    assert.match(checked.stdout, /postfix\s+yes\s+yes/);
    const fleet = await copper('--json', 'fleet', 'status');
    assert.equal(fleet.code, 0);
    assert.equal(JSON.parse(fleet.stdout)[0].reachable, true);
  });
});
