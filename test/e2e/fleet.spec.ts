import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer, type AddressInfo, type Socket } from 'node:net';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { launchChromium, inConsole, openConsole, requireBuild, screenshot, type BrowserShellProcess } from '../support/browser-shell';
import { lab, type Lab } from '../support/lab';
import { fillHostForm, goTo, openHostPage, planDialog, trustStep } from './ui-steps';

/** The lab's docker engine, driven with the real docker CLI (never through the console under test). */
function docker(l: Lab, args: string[]): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync('docker', ['-H', `unix://${l.docker.socket}`, ...args], { encoding: 'utf8', timeout: 60_000 });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

function startedAt(l: Lab, container: string): string {
  const inspected = docker(l, ['inspect', '--format', '{{.State.StartedAt}}', container]);
  assert.equal(inspected.status, 0, inspected.stderr);
  return inspected.stdout.trim();
}

/** Site `lab` and host `mx`: the lab's sshd, agent-less key login, Docker mode on the lab's socket. */
function addLabHost(shell: BrowserShellProcess, l: Lab, options: { trusted: boolean; pinned?: string }): void {
  const site = shell.copper(['site', 'add', 'lab', '--description', 'The test lab on 127.0.0.1']);
  assert.equal(site.status, 0, site.stderr);
  const host = shell.copper([
    'host',
    'add',
    'mx',
    '--site',
    'lab',
    '--ssh',
    `${l.users.key.name}@127.0.0.1:${l.ssh.port}`,
    '--identity',
    l.users.key.privateKey,
    '--mode',
    'docker',
    '--docker-socket',
    l.docker.socket,
    ...(options.pinned ? ['--fingerprint', options.pinned] : []),
  ]);
  assert.equal(host.status, 0, host.stderr);
  if (options.trusted) {
    const trusted = shell.copper(['host', 'trust', 'mx', '--fingerprint', l.ssh.hostKeyFingerprint]);
    assert.equal(trusted.status, 0, trusted.stderr);
  }
}

async function runCheck(page: Page): Promise<void> {
  const card = page.getByTestId('check-card');
  await card.getByRole('button', { name: 'Run check' }).click();
  // The button shows a loader while the check runs, then comes back.
  await card.locator('button[data-loading]').waitFor({ state: 'detached', timeout: 30_000 });
}

/** The red of a destructive confirmation, as the inventory spec checks it. */
async function isRed(page: Page, summary: string): Promise<boolean> {
  const color = await planDialog(page, summary)
    .getByRole('button', { name: summary })
    .evaluate((el) => getComputedStyle(el).backgroundColor);
  const [red, green, blue] = color.match(/\d+/g)?.map(Number) ?? [];
  return red !== undefined && green !== undefined && blue !== undefined && red > 150 && green < 100 && blue < 100;
}

describe('fleet, host keys and containers against the lab', { timeout: 300_000 }, () => {
  let browser: Browser;
  let l: Lab;
  const hostile = `copper-e2e-hostile-${randomBytes(4).toString('hex')}`;

  before(async () => {
    requireBuild();
    l = lab();
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    if (l) docker(l, ['rm', '-f', hostile]);
  });

  test('refuses the host until its key is trusted, then trusts it from the host page', { timeout: 60_000 }, async () => {
    await inConsole({ browser }, async (session) => {
      const { page, shell } = session;
      addLabHost(shell, l, { trusted: false });
      await page.reload();
      await openHostPage(page, 'mx');
      await page.getByTestId('host-endpoint').getByText(`${l.users.key.name}@127.0.0.1:${l.ssh.port}`).waitFor();
      assert.match((await page.getByTestId('host-summary').textContent()) ?? '', /Docker mode.*no root commands/);
      const keyCard = page.getByTestId('host-key-card');
      await keyCard.getByText('Not trusted yet.').waitFor();

      // The console does not log in to a server it cannot recognise.
      await runCheck(page);
      const refused = page.locator('[data-testid="check-error"][data-code="HOST_KEY_UNKNOWN"]');
      await refused.waitFor();
      assert.match((await refused.textContent()) ?? '', /not trusted yet/);
      assert.equal(await page.getByTestId('fact-os').count(), 0, 'nothing was read from the server');

      await keyCard.getByRole('button', { name: 'Verify host key' }).click();
      const presented = keyCard.getByTestId('presented-fingerprint');
      await presented.waitFor();
      assert.equal(await presented.textContent(), l.ssh.hostKeyFingerprint, 'the fingerprint shown is exactly the server’s');
      await keyCard.getByText('ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub').waitFor();

      // Pasting what the server printed: a wrong one blocks the trust, the right one is confirmed.
      const pasted = keyCard.getByLabel('Fingerprint printed on the server (optional)');
      await pasted.fill(`SHA256:${'A'.repeat(43)}`);
      await keyCard.getByText('This is not the key the server presents').waitFor();
      assert.ok(await keyCard.getByRole('button', { name: 'Trust this key' }).isDisabled(), 'a mismatching fingerprint cannot be trusted');
      await pasted.fill(l.ssh.hostKeyFingerprint);
      await keyCard.getByTestId('pasted-matches').waitFor();
      await screenshot(page, 'host-key-trust');

      await keyCard.getByRole('button', { name: 'Trust this key' }).click();
      const summary = 'Pin the host key of mx';
      const dialog = planDialog(page, summary);
      await dialog.getByTestId('plan-fingerprint').getByText(l.ssh.hostKeyFingerprint).waitFor();
      assert.ok(await isRed(page, summary), 'trusting a key is confirmed like a destructive change');
      assert.equal(await page.evaluate(() => document.activeElement?.textContent), 'Cancel', 'Enter alone trusts nothing');
      await screenshot(page, 'host-key-trust-plan');
      await dialog.getByRole('button', { name: summary }).click();
      await dialog.waitFor({ state: 'hidden' });

      await keyCard.getByTestId('pinned-fingerprint').getByText(l.ssh.hostKeyFingerprint).waitFor();
      await keyCard.getByText('pinned', { exact: true }).waitFor();

      // Now the check gets through.
      await runCheck(page);
      await page.getByTestId('check-card').getByTestId('reach-badge').getByText(/^reachable/).waitFor();

      await goTo(page, 'Audit trail');
      await page.locator('[data-testid^="audit-row-"][data-operation="ssh.trust"]').waitFor();
    });
  });

  test('refuses a changed host key, names both fingerprints and re-pins after confirmation', { timeout: 60_000 }, async () => {
    await inConsole({ browser }, async (session) => {
      const { page, shell } = session;
      const stale = `SHA256:${'B'.repeat(43)}`;
      // As if the server had been reinstalled since its key was pinned.
      addLabHost(shell, l, { trusted: false, pinned: stale });
      await page.reload();
      await openHostPage(page, 'mx');
      await runCheck(page);
      await page.locator('[data-testid="check-error"][data-code="HOST_KEY_MISMATCH"]').waitFor();

      const keyCard = page.getByTestId('host-key-card');
      const alert = keyCard.getByTestId('key-mismatch');
      await alert.waitFor();
      assert.equal(await alert.getByTestId('mismatch-pinned').textContent(), stale);
      assert.equal(await alert.getByTestId('mismatch-presented').textContent(), l.ssh.hostKeyFingerprint);
      await screenshot(page, 'host-key-mismatch');

      await keyCard.getByRole('button', { name: 'Verify host key' }).click();
      await keyCard.getByTestId('presented-fingerprint').getByText(l.ssh.hostKeyFingerprint).waitFor();
      await keyCard.getByRole('button', { name: 'Trust the new key' }).click();
      const summary = 'Re-pin the host key of mx';
      const dialog = planDialog(page, summary);
      await dialog.getByText(`was ${stale}`, { exact: false }).waitFor();
      await dialog.getByText('The key changed since it was pinned').waitFor();
      assert.ok(await isRed(page, summary));
      await dialog.getByRole('button', { name: summary }).click();
      await dialog.waitFor({ state: 'hidden' });
      await keyCard.getByTestId('pinned-fingerprint').getByText(l.ssh.hostKeyFingerprint).waitFor();
      assert.equal(await keyCard.getByTestId('key-mismatch').count(), 0, 'the alert goes once the new key is pinned');
    });
  });

  test('offers to trust the key right after a host is added', { timeout: 60_000 }, async () => {
    await inConsole({ browser }, async (session) => {
      const { page, shell } = session;
      assert.equal(shell.copper(['site', 'add', 'lab']).status, 0);
      await page.reload();
      await goTo(page, 'Hosts');
      await page.getByRole('main').getByRole('button', { name: 'Add host' }).click();
      const drawer = await fillHostForm(page, { name: 'mx', site: 'lab', user: l.users.key.name, address: '127.0.0.1', port: l.ssh.port });
      await drawer.getByText('Private key', { exact: true }).click();
      const [chooser] = await Promise.all([page.waitForEvent('filechooser'), drawer.getByLabel('Private key file').click()]);
      await chooser.setFiles(l.users.key.privateKey);
      await drawer.getByTestId('key-summary').waitFor();
      await drawer.getByRole('button', { name: 'Add host' }).click();
      const added = planDialog(page, 'Add host mx to site lab');
      await added.getByRole('button', { name: 'Add host mx to site lab' }).click();
      await added.waitFor({ state: 'hidden' });

      // The drawer moves on to the key at once, already asked of the server.
      const step = trustStep(page, 'mx');
      const presented = step.getByTestId('presented-fingerprint');
      await presented.waitFor();
      assert.equal(await presented.textContent(), l.ssh.hostKeyFingerprint);
      await step.getByRole('button', { name: 'Later' }).waitFor();
      await screenshot(page, 'host-add-trust-step');

      await step.getByRole('button', { name: 'Trust this key' }).click();
      const summary = 'Pin the host key of mx';
      await planDialog(page, summary).getByRole('button', { name: summary }).click();
      await planDialog(page, summary).waitFor({ state: 'hidden' });
      await step.getByText('mx is ready').waitFor();
      await step.getByRole('button', { name: 'Done' }).click();
      await step.waitFor({ state: 'hidden' });
      await page.getByTestId('host-row-mx').getByText('key pinned').waitFor();
    });
  });

  test('checks a host and shows its components and containers', { timeout: 60_000 }, async () => {
    await inConsole({ browser }, async (session) => {
      const { page, shell } = session;
      addLabHost(shell, l, { trusted: true });
      await page.reload();
      await openHostPage(page, 'mx');
      await page.getByTestId('never-checked').waitFor();
      await runCheck(page);

      const card = page.getByTestId('check-card');
      await card.getByTestId('reach-badge').getByText(/^reachable · \d+ ms$/).waitFor();
      const web = page.getByTestId(`container-row-${l.docker.container}`);
      await web.waitFor();
      await screenshot(page, 'host-page', { fullPage: true });

      assert.match((await card.getByTestId('fact-os').textContent()) ?? '', /Debian/);
      await card.getByTestId('disks-table').getByText('/', { exact: true }).first().waitFor();
      await card.getByTestId('checked-at').getByText('checked just now').waitFor();
      const postfix = card.getByTestId('component-postfix');
      await postfix.waitFor();
      assert.equal(await postfix.getAttribute('data-running'), 'yes', `postfix runs: ${(await postfix.textContent()) ?? ''}`);
      assert.equal(await web.getAttribute('data-state'), 'running');
      assert.ok(((await web.textContent()) ?? '').includes(l.docker.image), 'the row names the image');

      // The check is remembered: the Hosts table shows it.
      await goTo(page, 'Hosts');
      await page.getByTestId('host-row-mx').getByText(/reachable/).waitFor();
    });
  });

  test('shows container logs with ANSI escapes and script tags as text', { timeout: 60_000 }, async () => {
    const script =
      'printf "\\033[31mred <script>window.__pwned=1</script> <img src=x onerror=window.__pwned=2>\\n"; printf "to stderr\\n" >&2; sleep 600';
    const started = docker(l, ['run', '-d', '--name', hostile, '--network', 'none', l.docker.image, 'sh', '-c', script]);
    assert.equal(started.status, 0, started.stderr);
    for (let i = 0; i < 50 && !docker(l, ['logs', hostile]).stderr.includes('to stderr'); i++) await new Promise((r) => setTimeout(r, 100));

    await inConsole({ browser }, async (session) => {
      const { page, shell } = session;
      addLabHost(shell, l, { trusted: true });
      await page.reload();
      await openHostPage(page, 'mx');
      await page.getByTestId(`container-row-${hostile}`).getByRole('button', { name: `Logs of ${hostile}` }).click();
      const dialog = page.getByRole('dialog', { name: `Log of ${hostile} on mx` });
      const box = dialog.getByTestId('log-box');
      await box.getByText('<script>window.__pwned=1</script>', { exact: false }).waitFor();
      await box.locator('[data-stream="stderr"]').getByText('to stderr').waitFor();

      const text = (await box.textContent()) ?? '';
      assert.ok(text.includes('\\x1b[31mred <script>window.__pwned=1</script> <img src=x onerror=window.__pwned=2>'), text);
      assert.ok(!text.includes('\u001b'), 'no raw escape character reached the page');
      assert.equal(await box.locator('script, img').count(), 0, 'no element was made from the log text');
      await page.waitForTimeout(300); // give a planted handler every chance to run
      assert.equal(await page.evaluate(() => (window as { __pwned?: unknown }).__pwned), undefined);
      await screenshot(page, 'container-logs');

      await dialog.getByRole('button', { name: 'Close' }).click();
      await dialog.waitFor({ state: 'hidden' });
    });
  });

  test('restarts a container after confirmation', { timeout: 90_000 }, async () => {
    await inConsole({ browser }, async (session) => {
      const { page, shell } = session;
      addLabHost(shell, l, { trusted: true });
      await page.reload();
      await openHostPage(page, 'mx');
      const name = l.docker.container;
      const row = page.getByTestId(`container-row-${name}`);
      await row.waitFor();
      const before = startedAt(l, name);

      await row.getByRole('button', { name: `Restart ${name}` }).click();
      const summary = `Restart container ${name} on host mx`;
      const dialog = planDialog(page, summary);
      await dialog.getByTestId('plan-change').getByText(`container ${name}`, { exact: true }).waitFor();
      assert.match((await dialog.textContent()) ?? '', /pauses for a few seconds/);
      assert.ok(await isRed(page, summary), 'a restart is confirmed like a destructive change');
      assert.equal(await page.evaluate(() => document.activeElement?.textContent), 'Cancel');

      // Walking away restarts nothing.
      await dialog.getByRole('button', { name: 'Cancel' }).click();
      await dialog.waitFor({ state: 'hidden' });
      assert.equal(startedAt(l, name), before);

      await row.getByRole('button', { name: `Restart ${name}` }).click();
      await dialog.getByRole('button', { name: summary }).click();
      // The engine waits for the container's stop timeout before it starts it again.
      await dialog.waitFor({ state: 'hidden', timeout: 60_000 });
      await page.locator(`[data-testid="container-row-${name}"][data-state="running"]`).waitFor();
      assert.notEqual(startedAt(l, name), before, 'the container was started again');
    });
  });

  test('the fleet page checks every host with progress', { timeout: 60_000 }, async () => {
    await inConsole({ browser, start: 'Fleet' }, async (session) => {
      const { page, shell } = session;
      addLabHost(shell, l, { trusted: true });
      const down = shell.copper(['host', 'add', 'down', '--site', 'lab', '--ssh', 'x@127.0.0.1:1']);
      assert.equal(down.status, 0, down.stderr);
      await page.reload();
      await page.getByRole('heading', { name: 'Fleet', level: 2 }).waitFor();
      await page.getByTestId('fleet-row-mx').getByText('never checked').waitFor();

      await page.getByRole('button', { name: 'Check all' }).click();
      await page.getByRole('progressbar', { name: 'Progress of the fleet check' }).waitFor();
      await page.locator('[data-testid="fleet-progress"][data-running="false"]').waitFor({ timeout: 30_000 });
      // The lab host is healthy unless the machine itself is not (a load above 2 per CPU while other work runs, a full
      // disk): then the page must say it needs attention, not call it healthy.
      const checked = (await page.getByTestId('fleet-progress-summary').textContent()) ?? '';
      assert.match(checked, /^Checked 2 hosts: 1 (healthy|needs attention), 1 unreachable\.$/);
      const labHealthy = checked.includes('healthy');

      const mx = page.getByTestId('fleet-row-mx');
      await mx.getByTestId('reach-badge').getByText(/^reachable · \d+ ms$/).waitFor();
      await mx.locator('[data-component="docker"][data-running="yes"]').waitFor();
      await mx.getByTestId('last-seen').getByText('checked just now').waitFor();
      assert.equal(await page.getByTestId('fleet-problem-mx').count(), 0, 'a reachable host shows no error');
      assert.equal(await mx.getAttribute('data-health'), labHealthy ? 'ok' : 'warning');

      const problem = page.getByTestId('fleet-problem-down');
      await problem.waitFor();
      const said = (await problem.getByTestId('fleet-problem-text').textContent()) ?? '';
      assert.match(said, /down/, said);
      await page.getByTestId('fleet-row-down').getByTestId('last-seen').getByText('checked just now').waitFor();
      await screenshot(page, 'fleet');

      // The error links to the host page, where it can be dealt with.
      await problem.getByRole('link', { name: 'Open host page' }).click();
      await page.getByRole('heading', { name: 'down', level: 2 }).waitFor();
      await page.getByTestId('check-error').waitFor();

      // Last-seen times come back from the core after a reload, without checking again.
      await goTo(page, 'Fleet');
      await page.reload();
      await page.getByTestId('fleet-row-mx').getByTestId('last-seen').getByText(/^checked /).waitFor();
    });
  });

  test('cancels a fleet check that is waiting on a silent server', { timeout: 60_000 }, async () => {
    // Accepts TCP connections and never says a word: the SSH handshake waits until its timeout.
    const sockets = new Set<Socket>();
    const silent = createServer((socket) => sockets.add(socket));
    await new Promise<void>((done) => silent.listen(0, '127.0.0.1', done));
    const port = (silent.address() as AddressInfo).port;
    const session = await openConsole({ browser, start: 'Fleet' });
    const { page, shell } = session;
    try {
      assert.equal(shell.copper(['site', 'add', 'lab']).status, 0);
      const added = shell.copper(['host', 'add', 'mute', '--site', 'lab', '--ssh', `x@127.0.0.1:${port}`, '--identity', l.users.key.privateKey]);
      assert.equal(added.status, 0, added.stderr);
      await page.reload();
      await page.getByRole('button', { name: 'Check all' }).click();
      await page.getByRole('progressbar', { name: 'Progress of the fleet check' }).waitFor();
      await page.locator('[data-testid="tasks-indicator"][data-count="1"]').waitFor({ timeout: 5_000 });
      await page.getByRole('main').getByRole('button', { name: 'Cancel' }).click();
      await page.getByTestId('fleet-progress').getByText('Check cancelled').waitFor();
      await page.getByRole('button', { name: 'Check all' }).and(page.locator(':not([data-loading])')).waitFor();
      await page.getByTestId('fleet-row-mute').getByText('never checked').waitFor();
      // The core stopped too: nothing is left running (the SSH handshake alone would wait 10 s).
      const idle = await page
        .locator('[data-testid="tasks-indicator"][data-count="0"]')
        .waitFor({ timeout: 5_000 })
        .then(() => true, () => false);
      assert.ok(idle, 'the core still runs the cancelled check 5 s later: the cancel did not reach the SSH handshake');
      assert.deepEqual(session.pageErrors, []);
    } finally {
      await session.close();
      for (const socket of sockets) socket.destroy();
      silent.close();
    }
  });
});
