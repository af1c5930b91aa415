import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { launchChromium, inConsole, openConsole, requireBuild, screenshot } from '../support/browser-shell';
import { addHost, addSite, confirmPlan, fillHostForm, goTo, planDialog, trustLater, trustStep } from './ui-steps';

const HOSTILE = '<img src=x onerror="window.__pwned=1"><script>window.__pwned=1</script>';

describe('inventory in the browser shell', { timeout: 240_000 }, () => {
  let browser: Browser;
  before(async () => {
    requireBuild();
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
  });

  test('adds a site and a host through the UI and lists them', { timeout: 25_000 }, async () => {
    await inConsole({ browser }, async (session) => {
      const { page } = session;
      await screenshot(page, 'sites-empty');

      // The form checks names with the contract's own rules before anything is sent.
      await page.getByRole('main').getByRole('button', { name: 'Add site' }).click();
      const drawer = page.getByRole('dialog', { name: 'Add site' });
      await drawer.getByLabel('Name').fill('head office');
      await drawer.getByLabel('Internal DNS resolver').fill('dns.example.org');
      await drawer.getByRole('button', { name: 'Add site' }).click();
      await drawer.getByText('Use 1–63 letters, digits, dots, dashes or underscores').waitFor();
      await drawer.getByText('Enter the resolver as an IP address').waitFor();
      await drawer.getByLabel('Name').fill('hq');
      await drawer.getByLabel('Internal DNS resolver').fill('10.0.0.53');
      await drawer.getByLabel('Description').fill('Headquarters, building A, server room 2');
      await drawer.getByRole('button', { name: 'Add site' }).click();

      const plan = planDialog(page, 'Add site hq');
      await plan.getByText('resolver 10.0.0.53').waitFor();
      await screenshot(page, 'plan-dialog-add-site');
      await confirmPlan(page, 'Add site hq');
      await drawer.waitFor({ state: 'hidden' });

      const siteRow = page.getByTestId('site-row-hq');
      await siteRow.waitFor();
      assert.match((await siteRow.textContent()) ?? '', /10\.0\.0\.53/);
      assert.match((await siteRow.textContent()) ?? '', /Headquarters, building A/);
      await addSite(page, { name: 'branch-2', resolver: '10.2.0.53', description: 'Branch office, Lyon' });
      await screenshot(page, 'sites');

      await goTo(page, 'Hosts');
      await page.getByRole('main').getByRole('button', { name: 'Add host' }).click();
      const hostDrawer = await fillHostForm(page, {
        name: 'mx1',
        site: 'hq',
        user: 'copper',
        address: '10.0.0.25',
        password: 'correct-horse-battery',
        tags: ['mx', 'production'],
      });
      assert.equal(await hostDrawer.getByLabel('Port').inputValue(), '22', 'the SSH port defaults to 22');
      await screenshot(page, 'host-form');
      await hostDrawer.getByRole('button', { name: 'Add host' }).click();

      const hostPlan = planDialog(page, 'Add host mx1 to site hq');
      await hostPlan.getByText('login password of mx1').waitFor();
      await screenshot(page, 'plan-dialog-add-host');
      await confirmPlan(page, 'Add host mx1 to site hq');
      // The drawer moves on to the host key; this address is not a real server, so the key is left for later.
      await trustStep(page, 'mx1').getByRole('button', { name: 'Later' }).waitFor();
      await screenshot(page, 'host-trust-step-pending');
      await trustLater(page, 'mx1');

      const hostRow = page.getByTestId('host-row-mx1');
      await hostRow.waitFor();
      const text = (await hostRow.textContent()) ?? '';
      for (const expected of ['mx1', 'hq', 'copper@10.0.0.25:22', 'Password', 'Docker', 'direct', 'not trusted', 'not checked', 'mx', 'production']) {
        assert.ok(text.includes(expected), `the host row shows ${expected}: ${text}`);
      }
      // The password went to the vault: it is nowhere in the page, and the table says a password is stored.
      assert.ok(!(await page.content()).includes('correct-horse-battery'), 'the password is not in the page');
      assert.equal(await hostRow.getByRole('img', { name: 'No password stored' }).count(), 0);
      await screenshot(page, 'hosts');

      // Editing: secret fields start empty and mean "keep the stored one".
      await page.getByRole('button', { name: 'Edit host mx1' }).click();
      const edit = page.getByRole('dialog', { name: 'Edit host mx1' });
      await edit.getByText('A password is stored. Leave empty to keep it').waitFor();
      assert.equal(await edit.getByLabel('SSH password').inputValue(), '');
      await edit.getByLabel('Port').fill('2222');
      await edit.getByRole('button', { name: 'Review changes' }).click();
      const change = planDialog(page, 'Change host mx1');
      await change.getByText('SSH copper@10.0.0.25:22 → copper@10.0.0.25:2222').waitFor();
      assert.doesNotMatch((await change.textContent()) ?? '', /password of mx1/, 'the stored password is kept, not replaced');
      await confirmPlan(page, 'Change host mx1');
      await edit.waitFor({ state: 'hidden' });
      await hostRow.getByText('copper@10.0.0.25:2222').waitFor();

      await goTo(page, 'Sites');
      assert.match((await page.getByTestId('site-row-hq').textContent()) ?? '', /hq.*1/, 'the site counts its host');
    });
  });

  test('manages the mail domains of a site from its edit drawer', { timeout: 25_000 }, async () => {
    await inConsole({ browser }, async (session) => {
      const { page } = session;
      await addSite(page, { name: 'hq', resolver: '10.0.0.53', description: 'Headquarters' });
      await page.getByRole('button', { name: 'Edit site hq' }).click();
      const drawer = page.getByRole('dialog', { name: 'Edit site hq' });
      const domains = drawer.getByTestId('domains-section');
      await domains.getByText('No mail domains yet.').waitFor();

      await domains.getByLabel('New mail domain').fill('not a domain');
      await domains.getByRole('button', { name: 'Add domain' }).click();
      await domains.getByText('Enter a mail domain such as example.org.').waitFor();
      await domains.getByLabel('New mail domain').fill('Example.ORG');
      await domains.getByRole('button', { name: 'Add domain' }).click();
      // Escape closes the plan dialog only, not the drawer beneath it.
      await planDialog(page, 'Add mail domain example.org to site hq').waitFor();
      await page.keyboard.press('Escape');
      await planDialog(page, 'Add mail domain example.org to site hq').waitFor({ state: 'hidden' });
      assert.ok(await drawer.isVisible(), 'the drawer stays open');
      await domains.getByRole('button', { name: 'Add domain' }).click();
      await confirmPlan(page, 'Add mail domain example.org to site hq');
      await domains.getByTestId('domain-example.org').waitFor();
      await domains.getByLabel('New mail domain').fill('lists.example.org');
      await domains.getByLabel('New mail domain').press('Enter');
      await confirmPlan(page, 'Add mail domain lists.example.org to site hq');
      await domains.getByTestId('domain-lists.example.org').waitFor();
      await screenshot(page, 'site-edit-drawer');

      await domains.getByRole('button', { name: 'Remove domain example.org' }).click();
      const removal = planDialog(page, 'Remove mail domain example.org from site hq');
      await removal.getByText('no server or DNS record is changed').waitFor();
      await confirmPlan(page, 'Remove mail domain example.org from site hq');
      await domains.getByTestId('domain-example.org').waitFor({ state: 'detached' });

      // Saving the form with nothing changed says so instead of recording an empty change.
      await drawer.getByRole('button', { name: 'Review changes' }).click();
      const nothing = planDialog(page, 'Nothing to change on site hq');
      await nothing.getByText('Nothing to change').first().waitFor();
      assert.equal(await nothing.getByTestId('plan-confirm').count(), 0, 'there is nothing to confirm');
      await nothing.getByRole('button', { name: 'Close' }).first().click();
      await nothing.waitFor({ state: 'hidden' });

      await drawer.getByLabel('Description').fill('Headquarters, new building');
      await drawer.getByRole('button', { name: 'Review changes' }).click();
      await confirmPlan(page, 'Change site hq');
      await drawer.waitFor({ state: 'hidden' });
      const row = (await page.getByTestId('site-row-hq').textContent()) ?? '';
      assert.match(row, /lists\.example\.org/);
      assert.doesNotMatch(row, /(^|[^.])example\.org.*lists/);
      assert.match(row, /Headquarters, new building/);
    });
  });

  test('adds a host that logs in with a private key file', { timeout: 25_000 }, async () => {
    const keys = mkdtempSync(join(tmpdir(), 'copper-e2e-key-'));
    const session = await openConsole({ browser });
    const { page } = session;
    try {
      const keyFile = join(keys, 'id_ed25519');
      const made = spawnSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', 'key-passphrase-1', '-C', 'copper-e2e', '-f', keyFile]);
      assert.equal(made.status, 0, String(made.stderr));
      await addSite(page, { name: 'hq' });
      await goTo(page, 'Hosts');
      await page.getByRole('main').getByRole('button', { name: 'Add host' }).click();
      const drawer = await fillHostForm(page, { name: 'mx2', site: 'hq', user: 'copper', address: '10.0.0.26' });
      await drawer.getByText('Private key', { exact: true }).click();

      // The usual mistake, picking the public half, is caught at once.
      const choose = async (file: string) => {
        const [chooser] = await Promise.all([page.waitForEvent('filechooser'), drawer.getByLabel('Private key file').click()]);
        await chooser.setFiles(file);
      };
      await choose(`${keyFile}.pub`);
      await drawer.getByText('id_ed25519.pub is a public key').waitFor();
      await choose(keyFile);
      await drawer.getByTestId('key-summary').getByText('id_ed25519: OpenSSH private key, protected by a passphrase').waitFor();
      await drawer.getByLabel('Key passphrase').fill('key-passphrase-1');
      await drawer.getByRole('button', { name: 'Add host' }).click();

      const plan = planDialog(page, 'Add host mx2 to site hq');
      await plan.getByText('private key of mx2').waitFor();
      await plan.getByText('key passphrase of mx2').waitFor();
      await confirmPlan(page, 'Add host mx2 to site hq');
      await trustLater(page, 'mx2');
      const row = page.getByTestId('host-row-mx2');
      await row.getByText('Private key').waitFor();
      assert.equal(await row.getByRole('img', { name: 'No private key stored' }).count(), 0);
      const key = readFileSync(keyFile, 'utf8').split('\n')[1] ?? '';
      assert.ok(key.length > 20 && !(await page.content()).includes(key), 'the key is not in the page');
      assert.deepEqual(session.pageErrors, []);
    } finally {
      await session.close();
      rmSync(keys, { recursive: true, force: true });
    }
  });

  test('deletes a host only after a confirmation that names it', { timeout: 25_000 }, async () => {
    await inConsole({ browser }, async (session) => {
      const { page } = session;
      await addSite(page, { name: 'hq', resolver: '10.0.0.53' });
      await goTo(page, 'Hosts');
      await addHost(page, { name: 'mx1', site: 'hq', user: 'root', address: '10.0.0.25', password: 'p4ssw0rd-for-mx1' });
      await addHost(page, { name: 'mx2', site: 'hq', user: 'root', address: '10.0.0.26', port: 2222 });

      await page.getByRole('button', { name: 'Delete host mx1' }).click();
      const dialog = planDialog(page, 'Remove host mx1 from site hq');
      await dialog.waitFor();
      const said = (await dialog.textContent()) ?? '';
      assert.match(said, /host mx1/);
      assert.match(said, /root@10\.0\.0\.25:22/);
      assert.match(said, /login password will be erased/, 'the dialog says the stored password goes too');
      assert.match(said, /server itself is not touched/);
      const confirm = dialog.getByRole('button', { name: 'Remove host mx1 from site hq' });
      const [red, green, blue] = (await confirm.evaluate((el) => getComputedStyle(el).backgroundColor)).match(/\d+/g)?.map(Number) ?? [];
      assert.ok(red !== undefined && green !== undefined && blue !== undefined && red > 150 && green < 100 && blue < 100, 'the confirmation of a destructive plan is red');
      // The safe choice has the focus: Enter alone never deletes.
      assert.equal(await page.evaluate(() => document.activeElement?.textContent), 'Cancel');
      await screenshot(page, 'plan-dialog-delete-host');

      await dialog.getByRole('button', { name: 'Cancel' }).click();
      await dialog.waitFor({ state: 'hidden' });
      await page.getByTestId('host-row-mx1').waitFor();

      // Escape walks away too.
      await page.getByRole('button', { name: 'Delete host mx1' }).click();
      await dialog.waitFor();
      await page.keyboard.press('Escape');
      await dialog.waitFor({ state: 'hidden' });
      assert.equal(await page.getByTestId('host-row-mx1').count(), 1, 'cancel keeps the host');

      await page.getByRole('button', { name: 'Delete host mx1' }).click();
      await confirm.click();
      await dialog.waitFor({ state: 'hidden' });
      await page.getByTestId('host-row-mx1').waitFor({ state: 'detached' });
      await page.getByTestId('host-row-mx2').waitFor();
      await page.getByText('Remove host mx1 from site hq').first().waitFor(); // the success notification
    });
  });

  test('asks again when the situation changed before the confirmation', { timeout: 25_000 }, async () => {
    await inConsole({ browser }, async (session) => {
      const { page, shell } = session;
      assert.equal(shell.copper(['site', 'add', 'hq']).status, 0);
      assert.equal(shell.copper(['host', 'add', 'mx1', '--site', 'hq', '--ssh', 'root@10.0.0.25']).status, 0);
      await page.reload();
      await goTo(page, 'Hosts');
      await page.getByRole('button', { name: 'Delete host mx1' }).click();
      const dialog = planDialog(page, 'Remove host mx1 from site hq');
      await dialog.getByText('root@10.0.0.25:22').waitFor();

      // Someone else moves the host while the plan is on screen: the confirmed plan no longer describes what would go.
      assert.equal(shell.copper(['host', 'edit', 'mx1', '--ssh', 'admin@10.0.0.99:2222']).status, 0);
      await dialog.getByRole('button', { name: 'Remove host mx1 from site hq' }).click();
      await dialog.getByTestId('plan-changed').waitFor();
      await dialog.getByText('admin@10.0.0.99:2222').waitFor();
      assert.equal(await page.getByTestId('host-row-mx1').count(), 1, 'nothing was done');
      await screenshot(page, 'plan-dialog-changed');

      await dialog.getByRole('button', { name: 'Remove host mx1 from site hq' }).click();
      await dialog.waitFor({ state: 'hidden' });
      await page.getByTestId('empty-state').waitFor();
    });
  });

  test('renders hostile text as text', { timeout: 25_000 }, async () => {
    await inConsole({ browser }, async (session) => {
      const { page, shell } = session;
      const added = shell.copper(['site', 'add', 'evil', '--description', HOSTILE]);
      assert.equal(added.status, 0, added.stderr);
      await page.reload();
      const description = page.getByTestId('site-row-evil').getByTestId('site-description');
      await description.waitFor();
      assert.equal(await description.textContent(), HOSTILE, 'the description is shown exactly, as text');
      assert.equal(await page.locator('main img').count(), 0, 'no <img> was made from the text');
      await page.getByRole('button', { name: 'Edit site evil' }).click();
      assert.equal(await page.getByRole('dialog', { name: 'Edit site evil' }).getByLabel('Description').inputValue(), HOSTILE);
      await page.keyboard.press('Escape');

      await goTo(page, 'Audit trail');
      await page.getByRole('button', { name: 'Show details of record 1' }).click();
      const details = page.getByTestId('audit-details-1');
      assert.ok(((await details.textContent()) ?? '').includes(JSON.stringify(HOSTILE).slice(1, -1)), 'the audit input shows the text');
      await page.waitForTimeout(300); // give a planted onerror handler every chance to run
      assert.equal(await page.evaluate(() => (window as { __pwned?: unknown }).__pwned), undefined);
    });
  });

  test('adds a site using only the keyboard', { timeout: 25_000 }, async () => {
    await inConsole({ browser }, async (session) => {
      const { page } = session;
      const focused = () => page.evaluate(() => document.activeElement?.textContent?.trim() ?? '');
      let steps = 0;
      while ((await focused()) !== 'Add site') {
        await page.keyboard.press('Tab');
        assert.ok(++steps < 25, 'the Add site button is reachable with Tab');
      }
      await page.keyboard.press('Enter');
      const drawer = page.getByRole('dialog', { name: 'Add site' });
      await drawer.waitFor();
      // The form opens with the focus in its first field; Enter in a field submits it.
      await page.keyboard.type('paris-dc1');
      await page.keyboard.press('Tab');
      await page.keyboard.type('10.3.0.53:5353');
      await page.keyboard.press('Tab');
      await page.keyboard.type('Paris data centre');
      await page.keyboard.press('Shift+Tab');
      await page.keyboard.press('Enter');

      const plan = planDialog(page, 'Add site paris-dc1');
      await plan.waitFor();
      // Not destructive: the focus is on the confirmation, which names the action.
      assert.equal(await focused(), 'Add site paris-dc1');
      await page.keyboard.press('Enter');
      await plan.waitFor({ state: 'hidden' });
      await drawer.waitFor({ state: 'hidden' });
      const row = page.getByTestId('site-row-paris-dc1');
      await row.waitFor();
      assert.match((await row.textContent()) ?? '', /10\.3\.0\.53:5353.*Paris data centre/);

      // `/` jumps to the search box.
      await page.keyboard.press('/');
      assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('aria-label')), 'Search sites');
      await page.keyboard.type('nothing-like-this');
      await page.getByTestId('empty-state').waitFor();
      await page.keyboard.press('Escape');
      await row.waitFor();
    });
  });
});
