import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEFAULT_RSPAMD_SETTINGS, RspamdSettings } from '../../../shared/contract';
import type { ExecTarget } from '../exec/exec-target';
import { RspamdHost } from './rspamd-host';

// Only what the reload and the plan would say is asserted here: nothing is run (the lab tests run it for real).
const unused = (description: string): ExecTarget => ({ description, run: () => Promise.reject(new Error('not run in this test')) });
const container = { name: 'copper-mail', target: unused('mx / container copper-mail'), uid: '64333', gid: '64333', hostUserWithUid: null };

test('on a native host the default reload is systemctl, and keys belong to Rspamd’s user by name', () => {
  const host = new RspamdHost('mx', unused('mx (host)'), DEFAULT_RSPAMD_SETTINGS);
  assert.deepEqual(host.reloadArgv, ['/usr/bin/systemctl', 'reload', 'rspamd']);
  assert.equal(host.where, 'Rspamd');
  assert.equal(host.keyOwner, '_rspamd');
});

test('in a container, which has no systemd, the default reload is SIGHUP to Rspamd’s main (oldest) process', () => {
  const host = new RspamdHost('mx', unused('mx (host)'), DEFAULT_RSPAMD_SETTINGS, { settleMs: 1, container });
  assert.deepEqual(host.reloadArgv, ['/usr/bin/pkill', '--signal', 'HUP', '--oldest', '-x', 'rspamd']);
  assert.equal(host.where, 'Rspamd in container copper-mail');
  assert.equal(host.keyOwner, '_rspamd of container copper-mail (uid 64333)');
});

test('in a container, a PID-file reload names the PID file inside it', () => {
  const settings = RspamdSettings.parse({ reload: { via: 'pidfile', pidFile: '/run/rspamd/rspamd.pid' } });
  const host = new RspamdHost('mx', unused('mx (host)'), settings, { settleMs: 1, container });
  assert.deepEqual(host.reloadArgv, ['/usr/bin/pkill', '--signal', 'HUP', '-F', '/run/rspamd/rspamd.pid', '-x', 'rspamd']);
});
