import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { after, before, describe, test } from 'node:test';
import { CopperError } from '../../shared/contract';
import { HostExecTarget } from '../../electron/core/exec/host-exec-target';
import { confirmAndRun, tempCore, type TempCore } from '../support/temp-core';
import { lab, readKey, rekeySshd, type Lab } from '../support/lab';

const code = (expected: string) => (error: unknown) => {
  assert.ok(error instanceof CopperError, `expected a CopperError, got ${String(error)}`);
  assert.equal(error.code, expected, error.message);
  return true;
};

describe('SSH to the lab: host keys, logins, jump hosts, exec', () => {
  let t: TempCore;
  let l: Lab;
  const addHost = (name: string, extra: Record<string, unknown>) =>
    confirmAndRun(t.client, 'inventory.hosts.create', { name, site: 'lab', ssh: { user: l.users.key.name, address: '127.0.0.1', port: l.ssh.port }, auth: 'key', ...extra });
  const exec = (host: string) => new HostExecTarget(t.core.ssh, t.core.inventory.getHost(host));

  before(async () => {
    l = lab();
    t = tempCore();
    await confirmAndRun(t.client, 'inventory.sites.create', { name: 'lab' });
    await addHost('mx', { privateKey: readKey(l.users.key.privateKey) });
  });
  after(() => t.close());

  test('refuses a host whose key is not trusted yet, naming the presented fingerprint', async () => {
    await assert.rejects(exec('mx').run({ argv: ['true'] }), (error: unknown) => {
      code('HOST_KEY_UNKNOWN')(error);
      assert.match((error as Error).message, new RegExp(l.ssh.hostKeyFingerprint.replace(/[+/]/g, '\\$&')));
      return true;
    });
  });

  test('shows the fingerprint as ssh-keygen prints it, refuses a wrong expected one, then pins the right one', async () => {
    const probe = await t.client.query('ssh.probe', { host: 'mx' });
    assert.equal(probe.presentedFingerprint, l.ssh.hostKeyFingerprint);
    assert.equal(probe.keyType, 'ssh-ed25519');
    assert.equal(probe.matches, false);
    await assert.rejects(t.client.plan('ssh.trust', { host: 'mx', fingerprint: l.jump.hostKeyFingerprint }), code('HOST_KEY_MISMATCH'));
    const { plan } = await t.client.plan('ssh.trust', { host: 'mx', fingerprint: l.ssh.hostKeyFingerprint });
    assert.equal(plan.destructive, true, 'trusting a key is always confirmed');
    await confirmAndRun(t.client, 'ssh.trust', { host: 'mx', fingerprint: l.ssh.hostKeyFingerprint });
    assert.equal((await t.client.query('inventory.hosts.get', { name: 'mx' })).pinnedFingerprint, l.ssh.hostKeyFingerprint);
    const [record] = (await t.client.query('audit.list', {})).records;
    assert.equal(record?.operation, 'ssh.trust');
  });

  test('runs argv verbatim: quotes, $(…), ; and newlines are data, not shell', async () => {
    const tricky = `a'b"c $(id); rm -rf /tmp/nothing \n x \`uname\` & | > <`;
    const result = await exec('mx').run({ argv: ['printf', '%s', tricky] });
    assert.equal(result.exitCode, 0);
    assert.equal(result.stdout, tricky);
    const failing = await exec('mx').run({ argv: ['sh', '-c', 'echo out; echo err >&2; exit 7'] });
    assert.deepEqual([failing.exitCode, failing.stdout, failing.stderr], [7, 'out\n', 'err\n']);
    assert.equal((await exec('mx').run({ argv: ['cat'], stdin: 'from stdin\n' })).stdout, 'from stdin\n');
  });

  test('truncates 50 MB of output with a notice and keeps memory bounded', async () => {
    const before = process.memoryUsage().rss;
    const result = await exec('mx').run({ argv: ['sh', '-c', 'yes 0123456789 | head -c 52428800'], maxOutputBytes: 2 * 1024 * 1024 });
    assert.equal(result.truncated, true);
    assert.equal(result.stdout.length, 2 * 1024 * 1024);
    assert.ok(process.memoryUsage().rss - before < 100 * 1024 * 1024, 'memory grew by less than 100 MB');
  });

  test('stops a program at its timeout and on cancel', async () => {
    await assert.rejects(exec('mx').run({ argv: ['sleep', '30'], timeoutMs: 500 }), code('COMMAND_TIMEOUT'));
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 300);
    await assert.rejects(exec('mx').run({ argv: ['sleep', '30'], signal: controller.signal }), code('CANCELLED'));
    assert.equal((await exec('mx').run({ argv: ['echo', 'still usable'] })).stdout, 'still usable\n', 'the pooled connection survives');
  });

  test('reports a connection dropped mid-command, then reconnects', async () => {
    const running = exec('mx').run({ argv: ['sleep', '20'] });
    await new Promise((resolve) => setTimeout(resolve, 500));
    spawnSync('pkill', ['-KILL', '-u', l.users.key.name, '-f', `sshd: ${l.users.key.name}`]);
    await assert.rejects(running, code('CONNECTION_LOST'));
    assert.equal((await exec('mx').run({ argv: ['echo', 'back'] })).stdout, 'back\n');
  });

  test('logs in with an encrypted key and its passphrase; a wrong passphrase is named', async () => {
    await addHost('mx-enc', {
      privateKey: readKey(l.users.encryptedKey.privateKey),
      keyPassphrase: l.users.encryptedKey.passphrase,
      pinnedFingerprint: l.ssh.hostKeyFingerprint,
    });
    assert.equal((await exec('mx-enc').run({ argv: ['whoami'] })).stdout.trim(), l.users.encryptedKey.name);
    await confirmAndRun(t.client, 'inventory.hosts.update', { name: 'mx-enc', set: {}, keyPassphrase: 'not-the-passphrase' });
    await assert.rejects(exec('mx-enc').run({ argv: ['true'] }), code('KEY_PASSPHRASE_WRONG'));
  });

  test('logs in with a password; a wrong password is AUTH_FAILED', async () => {
    await addHost('mx-pw', {
      ssh: { user: l.users.password.name, address: '127.0.0.1', port: l.ssh.port },
      auth: 'password',
      password: l.users.password.password,
      pinnedFingerprint: l.ssh.hostKeyFingerprint,
    });
    assert.equal((await exec('mx-pw').run({ argv: ['whoami'] })).stdout.trim(), l.users.password.name);
    await confirmAndRun(t.client, 'inventory.hosts.update', { name: 'mx-pw', set: {}, password: 'wrong-password' });
    await assert.rejects(exec('mx-pw').run({ argv: ['true'] }), code('AUTH_FAILED'));
  });

  test('connects through a jump host, and names the jump host when it is down', async () => {
    await addHost('bastion', { ssh: { user: l.users.key.name, address: '127.0.0.1', port: l.jump.port }, privateKey: readKey(l.users.key.privateKey), pinnedFingerprint: l.jump.hostKeyFingerprint });
    await addHost('mx-via', { privateKey: readKey(l.users.key.privateKey), pinnedFingerprint: l.ssh.hostKeyFingerprint, jumpHost: 'bastion' });
    assert.equal((await exec('mx-via').run({ argv: ['echo', 'via jump'] })).stdout, 'via jump\n');
    await addHost('bastion-down', { ssh: { user: 'x', address: '127.0.0.1', port: 1 }, privateKey: readKey(l.users.key.privateKey) });
    await addHost('mx-via-down', { privateKey: readKey(l.users.key.privateKey), pinnedFingerprint: l.ssh.hostKeyFingerprint, jumpHost: 'bastion-down' });
    await assert.rejects(exec('mx-via-down').run({ argv: ['true'] }), (error: unknown) => {
      code('JUMP_HOST_FAILED')(error);
      assert.match((error as Error).message, /bastion-down/);
      return true;
    });
  });

  test('a host that is down is HOST_UNREACHABLE', async () => {
    await addHost('down', { ssh: { user: 'x', address: '127.0.0.1', port: 1 }, privateKey: readKey(l.users.key.privateKey) });
    await assert.rejects(exec('down').run({ argv: ['true'] }), code('HOST_UNREACHABLE'));
  });

  test('root-only commands: through sudo -n when allowed, a clear PRIVILEGE_MISSING otherwise', async () => {
    await addHost('mx-sudo', {
      ssh: { user: l.users.sudo.name, address: '127.0.0.1', port: l.ssh.port },
      privateKey: readKey(l.users.sudo.privateKey),
      pinnedFingerprint: l.ssh.hostKeyFingerprint,
      privilege: 'sudo',
    });
    const queue = await exec('mx-sudo').run({ argv: ['/usr/sbin/postqueue', '-j'], asRoot: true });
    assert.equal(queue.exitCode, 0, queue.stderr);
    await assert.rejects(exec('mx-sudo').run({ argv: ['/usr/bin/id'], asRoot: true }), (error: unknown) => {
      code('PRIVILEGE_MISSING')(error);
      assert.match((error as Error).message, /\/usr\/bin\/id/);
      return true;
    });
    await assert.rejects(exec('mx').run({ argv: ['/usr/sbin/postqueue', '-j'], asRoot: true }), (error: unknown) => {
      code('PRIVILEGE_MISSING')(error);
      assert.match((error as Error).message, /postqueue/);
      return true;
    });
  });

  test('refuses the connection after the host key changes, naming both fingerprints', async () => {
    rekeySshd();
    try {
      const changed = lab().ssh.hostKeyFingerprint;
      assert.notEqual(changed, l.ssh.hostKeyFingerprint);
      t.core.ssh.drop('mx');
      await assert.rejects(exec('mx').run({ argv: ['true'] }), (error: unknown) => {
        code('HOST_KEY_MISMATCH')(error);
        assert.ok((error as Error).message.includes(l.ssh.hostKeyFingerprint), 'names the pinned key');
        assert.ok((error as Error).message.includes(changed), 'names the presented key');
        return true;
      });
      const { plan } = await t.client.plan('ssh.trust', { host: 'mx' });
      assert.match(plan.warnings.join(' '), /changed since it was pinned/);
    } finally {
      rekeySshd(true);
    }
    t.core.ssh.drop('mx');
    assert.equal((await exec('mx').run({ argv: ['echo', 'original key back'] })).exitCode, 0);
  });
});
