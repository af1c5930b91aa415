import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { holdQueueLock } from '../../scripts/lab/queue-lock.mjs';
import { inConsole, launchChromium, requireBuild, screenshot, type BrowserShellProcess } from '../support/browser-shell';
import { lab, type Lab } from '../support/lab';
import { openHostPage, planDialog } from './ui-steps';

/**
 * The operator's certificate flows in Chromium against the lab's Postfix, Dovecot and nginx: issue from the console's
 * own CA, deploy through the plan dialog (which shows what each port serves now), and see the expiry state; openssl
 * s_client witnesses what port 25 serves. The lab's Postfix is shared, so the queue lock is held (the queue specs stop it).
 */

interface TlsLab {
  mailName: string;
  ports: Record<string, number>;
  dovecotConfig: string;
  nginxConfig: string;
}

function cli(shell: BrowserShellProcess, ...args: string[]): string {
  const run = shell.copper(args);
  assert.equal(run.status, 0, `copper ${args.join(' ')}: ${run.stderr}${run.stdout}`);
  return run.stdout;
}

function setUp(shell: BrowserShellProcess, l: Lab & { tls: TlsLab }): void {
  cli(shell, 'site', 'add', 'lab');
  cli(shell, 'host', 'add', 'mx', '--site', 'lab', '--ssh', `${l.users.sudo.name}@127.0.0.1:${l.ssh.port}`, '--identity', l.users.sudo.privateKey, '--sudo', '--mode', 'native', '--fingerprint', l.ssh.hostKeyFingerprint, '--mail-name', l.tls.mailName);
  cli(shell, 'tls', 'configure', 'mx', '--dovecot-config', l.tls.dovecotConfig, '--nginx-config', l.tls.nginxConfig, '--yes');
  cli(shell, 'tls', 'ca', 'create', 'lab-ca', '--cn', 'Copper Lab E2E CA', '--permit', 'copper.test', '--yes');
}

function servedOn25(serverName: string): string {
  const session = spawnSync('openssl', ['s_client', '-starttls', 'smtp', '-connect', '127.0.0.1:25', '-servername', serverName], { input: '', encoding: 'utf8', timeout: 15_000 });
  const fingerprint = spawnSync('openssl', ['x509', '-noout', '-fingerprint', '-sha256'], { input: session.stdout, encoding: 'utf8' });
  return /Fingerprint=([0-9A-F:]+)/.exec(fingerprint.stdout)?.[1] ?? '';
}

async function openTls(page: Page): Promise<void> {
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'TLS' }).click();
  await page.getByRole('heading', { name: 'TLS', level: 2 }).waitFor();
}

describe('TLS in the browser shell', { timeout: 300_000 }, () => {
  let browser: Browser;
  let l: Lab & { tls: TlsLab };
  let releaseLock: () => void = () => {};

  before(async () => {
    requireBuild();
    releaseLock = await holdQueueLock('test/e2e/tls.spec.ts');
    l = lab() as Lab & { tls: TlsLab };
    assert.ok(l.tls, 'lab.json has no tls section: run `bash scripts/lab/up.sh`');
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    releaseLock();
  });

  test('issues a certificate from the internal CA, deploys it through the plan, and shows every port serving it', { timeout: 150_000 }, async () => {
    await inConsole({ browser }, async ({ page, shell }) => {
      setUp(shell, l);
      await page.reload();
      await openTls(page);
      const row = page.getByTestId('tls-host-mx');
      await row.getByText('none deployed').waitFor();
      await row.getByRole('link', { name: 'mx' }).click();
      const panel = page.getByTestId('tls-host-panel');
      await panel.getByRole('heading', { name: 'Certificates of mx' }).waitFor();
      await panel.getByText(`For ${l.tls.mailName}`).waitFor();

      // Issue: the plan names the authority; the new certificate is ready to deploy.
      await panel.getByRole('button', { name: 'Issue from internal CA' }).click();
      const issuePlan = planDialog(page, 'Issue a certificate for mx from the authority lab-ca');
      await issuePlan.getByRole('button', { name: 'Issue a certificate for mx from the authority lab-ca' }).click();
      await issuePlan.waitFor({ state: 'hidden' });
      const deployButton = panel.getByRole('button', { name: /^Deploy c-[0-9a-f]{16}$/ });
      await deployButton.waitFor();

      // Deploy: the plan shows the files, the reloads and what each of the five ports serves now.
      await deployButton.click();
      const plan = planDialog(page, /^Deploy lab\.copper\.test to mx and check it on 5 ports$/);
      await plan.waitFor({ timeout: 30_000 });
      await plan.getByText('/etc/copper/tls/mail.key', { exact: true }).waitFor();
      await plan.getByText(/mode 0600, owner root/).waitFor();
      const listeners = plan.getByTestId('tls-deploy-listeners');
      for (const listener of ['smtp', 'submission', 'smtps', 'imaps', 'https']) await listeners.locator(`[data-listener="${listener}"]`).waitFor();
      await screenshot(page, 'tls-deploy-plan');
      await plan.getByRole('button', { name: /^Deploy lab\.copper\.test to mx/ }).click();
      await plan.waitFor({ state: 'hidden', timeout: 60_000 });

      // The fleet table says what is served now, and openssl agrees.
      await page.getByTestId('tls-host-mx').and(page.locator('[data-level="ok"]')).waitFor({ timeout: 15_000 });
      const status = JSON.parse(cli(shell, '--json', 'tls', 'status')) as { hosts: Array<{ host: string; daysLeft: number; deployed: { fingerprintSha256: string } }> };
      const mine = status.hosts.find((h) => h.host === 'mx');
      assert.ok(mine?.deployed);
      assert.equal(servedOn25(l.tls.mailName), mine.deployed.fingerprintSha256);
      assert.equal(await page.getByTestId('tls-host-mx').getByTestId('tls-days').textContent(), `${mine.daysLeft} days`);
      const deployment = panel.getByTestId('tls-deployments').locator('[data-state="verified"]');
      await deployment.getByText('5/5 checks passed', { exact: false }).waitFor();
      await screenshot(page, 'tls-host', { fullPage: true });

      // The host page carries the badge, linking back here.
      await openHostPage(page, 'mx');
      const badge = page.getByTestId('tls-badge');
      await badge.waitFor();
      assert.equal(await badge.getAttribute('data-level'), 'ok');
      assert.match((await badge.textContent()) ?? '', /^TLS valid · \d+ days$/);
    });
  });

  test('the fleet overview warns of a deployed certificate that ends within 14 days', { timeout: 90_000 }, async () => {
    await inConsole({ browser }, async ({ page, shell }) => {
      setUp(shell, l);
      cli(shell, 'tls', 'issue', 'mx', '--authority', 'lab-ca', '--days', '10', '--yes');
      const deployed = shell.copper(['tls', 'deploy', 'mx', '--yes']);
      assert.equal(deployed.status, 0, deployed.stderr + deployed.stdout);
      await page.reload();
      await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Fleet' }).click();
      await page.getByRole('heading', { name: 'Fleet', level: 2 }).waitFor();
      const badge = page.getByTestId('fleet-row-mx').getByTestId('tls-badge');
      await badge.waitFor();
      assert.equal(await badge.getAttribute('data-level'), 'within-14-days');
      assert.equal(await badge.textContent(), 'TLS renew within 14 days · 9 days');
      await screenshot(page, 'tls-fleet-badge');
      await badge.click();
      await page.getByRole('heading', { name: 'Certificates of mx' }).waitFor();
      assert.equal(await page.getByTestId('tls-host-mx').getAttribute('data-level'), 'within-14-days');
    });
  });

  test('makes a CSR to copy, and shows pasted hostile text only as text when an import is refused', { timeout: 60_000 }, async () => {
    await inConsole({ browser }, async ({ page, shell }) => {
      setUp(shell, l);
      await page.reload();
      await page.evaluate(() => (window.location.hash = '#/tls/mx'));
      const panel = page.getByTestId('tls-host-panel');
      await panel.getByRole('heading', { name: 'Certificates of mx' }).waitFor();

      await panel.getByRole('button', { name: 'Request from your CA (CSR)' }).click();
      const csrPlan = planDialog(page, /^Generate a ECDSA P-256 key and a certificate request for mx$|certificate request for mx/);
      await csrPlan.getByTestId('plan-confirm').click();
      await csrPlan.waitFor({ state: 'hidden' });
      const pem = (await panel.getByTestId('tls-csr-pem').textContent()) ?? '';
      assert.match(pem, /^-----BEGIN CERTIFICATE REQUEST-----[\s\S]+-----END CERTIFICATE REQUEST-----\s*$/);
      await panel.getByText('awaiting certificate').waitFor();

      const hostile = '-----BEGIN CERTIFICATE-----\n<img src=x onerror="window.__pwned=1"><script>window.__pwned=1</script>\n-----END CERTIFICATE-----\n';
      await panel.getByRole('button', { name: 'Import certificate…' }).click();
      const form = page.getByRole('dialog', { name: 'Import a certificate for mx' });
      await form.getByLabel('Certificate chain (PEM)').fill(hostile);
      await form.getByRole('button', { name: 'Check and import' }).click();
      const refused = page.getByRole('dialog', { name: 'This cannot be done' });
      await refused.waitFor();
      assert.equal(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned), undefined);
      assert.equal(await page.locator('img[src="x"]').count(), 0);
      await screenshot(page, 'tls-import-refused');
      await refused.getByRole('button', { name: 'Close' }).first().click();
    });
  });
});
