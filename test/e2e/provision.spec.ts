import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Browser, Locator, Page } from 'playwright-core';
import { holdStackLock } from '../../scripts/lab/stack-lock.mjs';
import { inConsole, launchChromium, requireBuild, screenshot, type BrowserShellProcess } from '../support/browser-shell';
import { lab, type Lab } from '../support/lab';
import { openHostPage } from './ui-steps';
import { buildBundle, cleanStackEngine, publisherKey, stackFixture } from '../support/stack';

/**
 * The operator's provisioning flow in Chromium against the lab's stack engine (a second dockerd, reached over SSH as
 * copperkey): verify and push a signed bundle of the lab's Copper image, read the plan, apply it with progress, see the
 * SMTP, IMAP and LDAP checks pass and the containers carry the bundle's version; then a broken update that is rolled
 * back while the previous containers keep serving. The engine is the integration test's too: the stack lock is held.
 */

interface StackFixture {
  name: string;
  version: string;
  services: Record<string, unknown>;
}

const HOST = 'mx';

function run(argv: string[]): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(argv[0] ?? '', argv.slice(1), { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, timeout: 300_000 });
  return { status: result.status, stdout: result.stdout ?? '', stderr: result.stderr ?? '' };
}

function cli(shell: BrowserShellProcess, ...args: string[]): string {
  const result = shell.copper(args);
  assert.equal(result.status, 0, `copper ${args.join(' ')}: ${result.stderr}${result.stdout}`);
  return result.stdout;
}

const readFixture = (file: string) => JSON.parse(readFileSync(stackFixture(file), 'utf8')) as StackFixture;

async function openProvisioning(page: Page): Promise<void> {
  await openHostPage(page, HOST);
  await page.getByRole('main').getByRole('link', { name: 'Provisioning' }).click();
  await page.getByRole('heading', { name: `Provisioning of ${HOST}`, level: 2 }).waitFor();
}

/**
 * Where a push stages a bundle on the server (bundle-transfer.service: ~LOGIN/.copper/bundles/VERSION-SHA16 of its
 * manifest), so the spec can remove what it uploaded: every run's bundles are new, and 185 MiB each.
 */
function stagingDirOf(login: string, bundle: string, version: string): string | null {
  const home = run(['getent', 'passwd', login]).stdout.split(':')[5]?.trim();
  if (!home) return null;
  const manifest = readFileSync(join(bundle, 'manifest.json'));
  return join(home, '.copper', 'bundles', `${version}-${createHash('sha256').update(manifest).digest('hex').slice(0, 16)}`);
}

/** Verifies the bundle folder, then pushes it; the first push uploads the whole image, so its progress bar is seen. */
async function verifyAndPush(page: Page, bundle: string, version: string, { expectProgress }: { expectProgress: boolean }): Promise<void> {
  const card = page.getByTestId('bundle-card');
  await card.getByLabel('Bundle on this machine').fill(bundle);
  await card.getByRole('button', { name: 'Verify' }).click();
  await card.locator(`[data-testid="bundle-verdict"][data-version="${version}"]`).waitFor({ timeout: 60_000 });
  await card.getByRole('button', { name: 'Push to host' }).click();
  if (expectProgress) {
    await card.getByRole('progressbar', { name: `Progress of the push to ${HOST}` }).waitFor({ timeout: 30_000 });
    await card.getByRole('button', { name: 'Cancel' }).waitFor();
  }
  await card.locator(`[data-testid="bundle-pushed"][data-version="${version}"]`).waitFor({ timeout: 240_000 });
  await card.locator(`[data-testid="pushed-bundle"][data-version="${version}"]`).waitFor({ timeout: 15_000 });
}

/** Plans from the keyboard, as an operator without a mouse would; returns the plan card. */
async function pressPlan(page: Page): Promise<Locator> {
  const card = page.getByTestId('provision-plan-card');
  await card.getByRole('button', { name: 'Plan', exact: true }).focus();
  await page.keyboard.press('Enter');
  return card;
}

/** Plans and waits for the plan's table. */
async function planFromKeyboard(page: Page): Promise<Locator> {
  const card = await pressPlan(page);
  await card.getByTestId('provision-plan-table').waitFor({ timeout: 60_000 });
  return card;
}

describe('provisioning in the browser shell', { timeout: 900_000 }, () => {
  let browser: Browser;
  let l: Lab;
  let work = '';
  let good: StackFixture;
  let broken: StackFixture;
  const bundles = { good: '', broken: '' };
  let publicKey = '';
  let releaseLock: () => void = () => {};

  before(async () => {
    requireBuild();
    l = lab() as Lab;
    assert.ok(l.stackDocker?.socket, 'lab.json has no stackDocker section: run `bash scripts/lab/up.sh`');
    releaseLock = await holdStackLock('test/e2e/provision.spec.ts');
    cleanStackEngine(l);

    good = readFixture('copper-lab-stack.json');
    broken = readFixture('copper-lab-stack-broken.json');
    work = mkdtempSync(join(tmpdir(), 'copper-e2e-provision-'));
    const key = publisherKey(work);
    publicKey = `${key}.pub.pem`;
    bundles.good = buildBundle(l, key, stackFixture('copper-lab-stack.json'), join(work, 'good'), 'e2e publisher');
    bundles.broken = buildBundle(l, key, stackFixture('copper-lab-stack-broken.json'), join(work, 'broken'), 'e2e publisher');
    browser = await launchChromium();
  });

  after(async () => {
    try {
      await browser?.close();
      if (l?.stackDocker) cleanStackEngine(l);
      for (const [which, fixture] of [
        ['good', good],
        ['broken', broken],
      ] as const) {
        const staged = bundles[which] && fixture ? stagingDirOf(l.users.key.name, bundles[which], fixture.version) : null;
        if (staged) rmSync(staged, { recursive: true, force: true });
      }
    } finally {
      if (work) rmSync(work, { recursive: true, force: true });
      releaseLock();
    }
  });

  test('pushes a bundle, plans, applies with progress and checks, then rolls a broken update back', { timeout: 840_000 }, async () => {
    await inConsole({ browser }, async ({ page, shell }) => {
      page.setDefaultTimeout(15_000);
      cli(shell, 'site', 'add', 'lab');
      cli(
        shell,
        'host',
        'add',
        HOST,
        '--site',
        'lab',
        '--ssh',
        `${l.users.key.name}@127.0.0.1:${l.ssh.port}`,
        '--identity',
        l.users.key.privateKey,
        '--mode',
        'docker',
        '--docker-socket',
        l.stackDocker.socket,
        '--fingerprint',
        l.ssh.hostKeyFingerprint,
      );
      cli(shell, 'bundle', 'keys', 'add', 'e2e publisher', publicKey, '--yes');
      await page.reload();
      await openProvisioning(page);

      // Nothing provisioned, nothing pushed; planning now names the fix.
      const status = page.getByTestId('provision-status');
      await status.getByTestId('provision-no-containers').waitFor();
      await page.locator('[data-testid="pushed-bundle"][data-version=""]').waitFor();
      const refused = await pressPlan(page);
      await refused.getByTestId('error-alert').getByText('PROVISION_NO_BUNDLE', { exact: false }).waitFor({ timeout: 30_000 });
      await page.getByTestId('provision-hint').getByText('push it to the host first', { exact: false }).waitFor();

      // Push: verified here, uploaded with a progress bar, verified there, images loaded.
      await verifyAndPush(page, bundles.good, good.version, { expectProgress: true });
      await screenshot(page, 'provision-pushed');

      // Plan: both services are created; their secrets go to the vault, unseen.
      const planCard = await planFromKeyboard(page);
      const services = Object.keys(good.services);
      for (const service of services) {
        await planCard.locator(`[data-testid="provision-plan-${service}"][data-action="create"]`).waitFor();
      }
      assert.equal(await planCard.getByTestId('provision-plan-table').locator('tbody tr').count(), services.length);
      const secrets = planCard.getByTestId('provision-secrets');
      if ((await secrets.count()) > 0) assert.match((await secrets.textContent()) ?? '', /never shown/);
      await screenshot(page, 'provision-plan', { fullPage: true });

      // Apply: confirmed in the plan dialog, which shows each step while it runs, then the result.
      await planCard.getByRole('button', { name: 'Apply' }).click();
      const dialog = page.getByRole('dialog', { name: new RegExp(`^Provision ${good.name} ${good.version.replace(/\./g, '\\.')} on ${HOST}`) });
      await dialog.getByTestId('plan-confirm').waitFor({ timeout: 60_000 });
      await dialog.getByTestId('plan-confirm').click();
      await dialog.getByTestId('plan-progress').waitFor({ timeout: 60_000 });
      await screenshot(page, 'provision-applying');
      await dialog.waitFor({ state: 'hidden', timeout: 300_000 });

      const result = page.locator('[data-testid="provision-result"][data-outcome="applied"]');
      await result.waitFor();
      for (const kind of ['smtp', 'imap', 'ldap-bind']) {
        const check = result.getByTestId(`provision-check-${kind}`);
        await check.first().waitFor();
        assert.equal(await check.first().getAttribute('data-ok'), 'true', `${kind}: ${(await check.first().textContent()) ?? ''}`);
      }
      assert.match((await result.getByTestId('provision-check-smtp').first().getByTestId('provision-check-detail').textContent()) ?? '', /^220 /);
      await page.locator(`[data-testid="provision-status"][data-running-version="${good.version}"]`).waitFor();
      await screenshot(page, 'provision-applied', { fullPage: true });

      // The containers view of the host page shows the bundle version.
      await openHostPage(page, HOST);
      const containers = page.getByTestId('containers-card');
      await containers.getByRole('button', { name: 'Refresh' }).click();
      for (const service of services) {
        const row = containers.getByTestId(`container-row-${good.name}-${service}`);
        await row.waitFor();
        assert.equal(((await row.getByTestId('container-version').textContent()) ?? '').trim(), good.version);
      }
      await containers.scrollIntoViewIfNeeded();
      await screenshot(page, 'provision-containers');

      // The broken update: the plan replaces the mail service; the apply fails, is rolled back, the old one serves.
      await page.getByRole('main').getByRole('link', { name: 'Provisioning' }).click();
      await page.getByRole('heading', { name: `Provisioning of ${HOST}`, level: 2 }).waitFor();
      await verifyAndPush(page, bundles.broken, broken.version, { expectProgress: false });
      const brokenPlan = await planFromKeyboard(page);
      await brokenPlan.locator('[data-testid="provision-plan-mail"][data-action="replace"]').waitFor();
      await brokenPlan.getByRole('button', { name: 'Apply' }).click();
      const brokenDialog = page.getByRole('dialog', { name: new RegExp(`^Provision ${broken.name} ${broken.version.replace(/\./g, '\\.')} on ${HOST}`) });
      await brokenDialog.getByTestId('plan-confirm').click();
      await brokenDialog.getByTestId('plan-progress').waitFor({ timeout: 60_000 });
      await brokenDialog.getByTestId('error-alert').waitFor({ timeout: 400_000 });
      assert.match((await brokenDialog.getByTestId('error-alert').textContent()) ?? '', /PROVISION_ROLLED_BACK/);
      await brokenDialog.getByRole('button', { name: 'Close' }).first().click();
      await brokenDialog.waitFor({ state: 'hidden' });

      const rolledBack = page.getByTestId('provision-rolled-back');
      await rolledBack.waitFor();
      assert.equal(await rolledBack.getAttribute('data-service'), 'mail');
      assert.match((await rolledBack.textContent()) ?? '', /The previous containers run again/);
      await screenshot(page, 'provision-rolled-back', { fullPage: true });

      // What runs now is still the first version, healthy (the rollback waits for it; a refresh or two at most).
      const mailRow = status.getByTestId('provision-container-mail');
      for (let attempt = 0; attempt < 30; attempt++) {
        if ((await mailRow.getAttribute('data-health').catch(() => null)) === 'healthy') break;
        await page.getByRole('button', { name: 'Refresh' }).first().click();
        await page.waitForTimeout(2_000);
      }
      for (const service of services) {
        const row = status.getByTestId(`provision-container-${service}`);
        assert.equal(await row.getAttribute('data-version'), good.version, `${service} runs the first version`);
        assert.equal(await row.getAttribute('data-state'), 'running', `${service} runs`);
        assert.equal(await row.getAttribute('data-health'), 'healthy', `${service} is healthy`);
      }
      await page.locator(`[data-testid="provision-status"][data-running-version="${good.version}"]`).waitFor();
      await status.locator('[data-testid="provision-last-run"][data-outcome="rolled-back"]').waitFor();

      // Stop, from the containers view: confirmed in a plan that says mail stops, then the row says exited.
      await openHostPage(page, HOST);
      const mailContainer = `${good.name}-mail`;
      const row = page.getByTestId('containers-card').getByTestId(`container-row-${mailContainer}`);
      await row.getByRole('button', { name: `Stop ${mailContainer}` }).click();
      const stopDialog = page.getByRole('dialog', { name: `Stop container ${mailContainer} on host ${HOST}` });
      await stopDialog.getByText(`Mail delivery through ${mailContainer} stops until the container is started again.`).waitFor();
      await stopDialog.getByRole('button', { name: `Stop container ${mailContainer} on host ${HOST}` }).click();
      await stopDialog.waitFor({ state: 'hidden', timeout: 60_000 });
      await page.locator(`[data-testid="container-row-${mailContainer}"][data-state="exited"]`).waitFor({ timeout: 30_000 });
      assert.equal(await row.getByRole('button', { name: `Stop ${mailContainer}` }).isDisabled(), true);
    });
  });
});
