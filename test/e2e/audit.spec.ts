import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import Database from 'better-sqlite3';
import type { Browser } from 'playwright-core';
import { launchChromium, inConsole, requireBuild, screenshot } from '../support/browser-shell';
import { addHost, addSite, confirmPlan, goTo } from './ui-steps';

describe('audit trail in the browser shell', { timeout: 60_000 }, () => {
  let browser: Browser;
  before(async () => {
    requireBuild();
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
  });

  test('shows every change in the audit trail and verifies the chain', { timeout: 25_000 }, async () => {
    await inConsole({ browser }, async (session) => {
      const { page, shell } = session;
      // A change from the command line and three from this window: one trail, whichever shell made the change.
      const site = shell.copper(['site', 'add', 'hq', '--resolver', '10.0.0.53']);
      assert.equal(site.status, 0, site.stderr);
      await page.reload();
      await addSite(page, { name: 'branch-2', resolver: '10.2.0.53' });
      await goTo(page, 'Hosts');
      await addHost(page, { name: 'mx1', site: 'hq', user: 'root', address: '10.0.0.25', password: 'audit-secret-pw' });
      await page.getByRole('button', { name: 'Delete host mx1' }).click();
      await confirmPlan(page, 'Remove host mx1 from site hq');
      await page.getByTestId('host-row-mx1').waitFor({ state: 'detached' });

      await goTo(page, 'Audit trail');
      await page.getByTestId('audit-row-4').waitFor();
      const operations = await page.locator('[data-testid^="audit-row-"]').evaluateAll((rows) => rows.map((row) => row.getAttribute('data-operation')));
      assert.deepEqual(operations, ['inventory.hosts.delete', 'inventory.hosts.create', 'inventory.sites.create', 'inventory.sites.create'], 'newest first');
      const deleted = (await page.getByTestId('audit-row-4').textContent()) ?? '';
      assert.match(deleted, /hq \/ mx1/);
      assert.match(deleted, /succeeded/);
      assert.match(deleted, /@browser/);
      assert.match((await page.getByTestId('audit-row-1').textContent()) ?? '', /@cli/);

      // The input is shown as JSON text, with the password redacted by the core.
      await page.getByRole('button', { name: 'Show details of record 3' }).click();
      const details = page.getByTestId('audit-details-3');
      const shown = (await details.textContent()) ?? '';
      assert.match(shown, /"password": "\[redacted\]"/);
      assert.ok(!shown.includes('audit-secret-pw'), 'the password never reaches the audit trail');
      await screenshot(page, 'audit');

      await page.getByRole('button', { name: 'Verify chain' }).click();
      const verdict = page.getByTestId('verify-verdict');
      await verdict.waitFor();
      assert.equal(await verdict.getAttribute('data-intact'), 'true');
      assert.match((await verdict.textContent()) ?? '', /Intact: 4 records/);
      await screenshot(page, 'audit-verified');

      // Search narrows the list on the server.
      await page.getByLabel('Search the audit trail').fill('hosts.delete');
      await page.getByTestId('audit-count').filter({ hasText: '1 matching record' }).waitFor();
      assert.equal(await page.locator('[data-testid^="audit-row-"]').count(), 1);

      // Someone edits a record behind the console's back: the check names it and says why.
      const db = new Database(join(shell.dataDir, 'copper.db'));
      try {
        db.prepare("UPDATE audit SET actor = 'mallory@cli' WHERE seq = 2").run();
      } finally {
        db.close();
      }
      await page.getByRole('button', { name: 'Verify chain' }).click();
      await page.locator('[data-testid="verify-verdict"][data-intact="false"]').waitFor();
      const broken = (await verdict.textContent()) ?? '';
      assert.match(broken, /Broken at record 2/);
      assert.match(broken, /Record 2 was changed after it was written/);
      await screenshot(page, 'audit-broken');
    });
  });
});
