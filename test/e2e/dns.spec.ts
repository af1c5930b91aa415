import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser, Locator, Page } from 'playwright-core';
import { inConsole, launchChromium, requireBuild, screenshot, type BrowserShellProcess } from '../support/browser-shell';
import { labDns, publishRecord, publishTxt, removeRecords, txtRdata, uniqueDomain } from '../support/dns';
import { confirmPlan, planDialog } from './ui-steps';

/**
 * The operator's DNS flows in Chromium against the lab BIND server. The test plays the DNS team: it publishes what the
 * console's zone export asks for (with nsupdate, independently of the console) and the console checks it.
 */

const HOSTILE = 'v=spf1 <img src=x onerror="window.__pwned=1"><script>window.__pwned=1</script> -all';

function cli(shell: BrowserShellProcess, ...args: string[]): string {
  const run = shell.copper(args);
  assert.equal(run.status, 0, `copper ${args.join(' ')}: ${run.stderr}${run.stdout}`);
  return run.stdout;
}

async function openDns(page: Page): Promise<void> {
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'DNS' }).click();
  await page.getByRole('heading', { name: 'DNS', level: 2 }).waitFor();
}

async function checkNow(page: Page): Promise<Locator> {
  await page.getByRole('button', { name: 'Check now' }).click();
  // The button comes back once the task finished (Cancel is shown while it runs).
  await page.getByRole('button', { name: 'Check now' }).waitFor();
  return page.getByTestId('dns-results');
}

/** Opens a domain's DNS page by its address, as a bookmark would. */
async function openDomain(page: Page, domain: string): Promise<void> {
  await page.evaluate((hash) => (window.location.hash = hash), `#/dns/${domain}`);
}

const item = (page: Page, kind: string) => page.getByTestId(`dns-item-${kind}`);

describe('DNS in the browser shell', { timeout: 240_000 }, () => {
  let browser: Browser;
  const published = new Set<string>();
  before(async () => {
    requireBuild();
    labDns();
    browser = await launchChromium();
  });
  after(async () => {
    for (const name of published) await removeRecords(name).catch(() => undefined);
    await browser?.close();
  });

  test('checks a domain through the site’s resolver, shows found against expected, and turns green once the DNS team publishes', { timeout: 60_000 }, async () => {
    await inConsole({ browser }, async ({ page, shell }) => {
      const domain = uniqueDomain('e2e');
      cli(shell, 'site', 'add', 'hq', '--resolver', labDns().resolver);
      cli(shell, 'domain', 'add', domain, '--site', 'hq');
      cli(shell, 'host', 'add', 'mx1', '--site', 'hq', '--ssh', 'copper@127.0.0.1', '--mail-name', `mx1.${domain}`);

      await openDns(page);
      const row = page.getByTestId(`dns-domain-${domain}`);
      await row.getByText('never checked').waitFor();
      await row.getByRole('link', { name: domain }).click();
      await page.getByRole('heading', { name: `DNS of ${domain}`, level: 2 }).waitFor();
      await page.getByText(`Asked only of the resolver of site hq, ${labDns().resolver}`).waitFor();

      let results = await checkNow(page);
      await results.getByTestId('dns-counts').getByText('0 ok, 5 missing').waitFor();
      assert.equal(await item(page, 'dmarc').getAttribute('data-status'), 'missing');
      assert.match((await item(page, 'dmarc').getByTestId('dns-found').textContent()) ?? '', /nothing published/);
      await screenshot(page, 'dns-missing', { fullPage: true });

      // The zone fragment for the DNS team.
      await page.getByRole('button', { name: 'Zone-file fragment for the DNS team' }).click();
      const zone = page.getByTestId('dns-zone-text');
      await zone.waitFor();
      const fragment = (await zone.textContent()) ?? '';
      assert.match(fragment, new RegExp(`_dmarc\\.${domain.replace(/\./g, '\\.')}\\. +3600 IN TXT {2}"v=DMARC1; p=none; rua=mailto:postmaster@`));

      // The DNS team publishes everything, but with a typo in DMARC and a hostile second SPF record.
      const expected = JSON.parse(cli(shell, '--json', 'dns', 'zone', domain)) as { records: Array<{ kind: string; name: string; type: string; values: string[] }> };
      for (const record of expected.records) {
        for (const value of record.values) {
          const text = record.kind === 'dmarc' ? value.replace('p=none', 'p=nnoe') : value;
          await publishRecord(record.name, record.type, record.type === 'TXT' ? txtRdata(text) : text);
          published.add(record.name);
        }
      }
      await publishTxt(domain, HOSTILE);

      results = await checkNow(page);
      await results.getByTestId('dns-counts').getByText('3 ok, 2 mismatched').waitFor();
      const dmarc = item(page, 'dmarc');
      assert.equal(await dmarc.getAttribute('data-status'), 'mismatch');
      assert.match((await dmarc.getByTestId('dns-expected').textContent()) ?? '', /v=DMARC1; p=none; rua=mailto:postmaster@/);
      assert.match((await dmarc.getByTestId('dns-found').textContent()) ?? '', /v=DMARC1; p=nnoe; rua=mailto:postmaster@/);
      assert.match((await dmarc.getByTestId('dns-message').textContent()) ?? '', /differ from character 14/);
      const spf = item(page, 'spf');
      assert.equal(await spf.getAttribute('data-status'), 'mismatch');
      // The hostile record is shown as the characters it holds, flagged as extra, and nothing in it ran.
      await spf.getByText(HOSTILE, { exact: true }).waitFor();
      await spf.getByText('extra', { exact: true }).waitFor();
      assert.equal(await page.evaluate(() => (window as { __pwned?: unknown }).__pwned), undefined);
      assert.equal(await page.locator('img[src="x"]').count(), 0);
      await screenshot(page, 'dns-mismatch', { fullPage: true });

      // The DNS team fixes both.
      await removeRecords(`_dmarc.${domain}`, 'TXT');
      await publishTxt(`_dmarc.${domain}`, expected.records.find((r) => r.kind === 'dmarc')?.values[0] ?? '');
      await removeRecords(domain, 'TXT');
      await publishTxt(domain, expected.records.find((r) => r.kind === 'spf')?.values[0] ?? '');
      results = await checkNow(page);
      await results.getByTestId('dns-counts').getByText('5 ok').waitFor();
      await screenshot(page, 'dns-ok', { fullPage: true });

      await page.getByRole('link', { name: 'All domains' }).click();
      await page.getByTestId(`dns-domain-${domain}`).getByText('5 ok').waitFor();
    });
  });

  test('changes the DMARC policy through the plan dialog; the next check expects the new record', { timeout: 45_000 }, async () => {
    await inConsole({ browser }, async ({ page, shell }) => {
      const domain = uniqueDomain('e2p');
      cli(shell, 'site', 'add', 'hq', '--resolver', labDns().resolver);
      cli(shell, 'domain', 'add', domain, '--site', 'hq');
      cli(shell, 'host', 'add', 'mx1', '--site', 'hq', '--ssh', 'copper@127.0.0.1', '--mail-name', `mx1.${domain}`);
      await openDomain(page, domain);
      await page.getByRole('heading', { name: `DNS of ${domain}`, level: 2 }).waitFor();

      await page.getByRole('button', { name: 'What the records should say' }).click();
      const form = page.getByRole('form', { name: `DNS policy of ${domain}` });
      await form.getByText('reject', { exact: true }).click();
      await form.getByLabel('DMARC reports to').fill(`dmarc@${domain}`);
      await form.getByRole('button', { name: 'Save policy' }).click();
      const plan = planDialog(page, `Change the DNS policy of ${domain}`);
      await plan.getByText(`p=none, reports to postmaster@${domain} → p=reject, reports to dmarc@${domain}`).waitFor();
      await confirmPlan(page, `Change the DNS policy of ${domain}`);
      await page.getByTestId('dns-policy').getByText('changed for this domain').waitFor();

      await checkNow(page);
      assert.match((await item(page, 'dmarc').getByTestId('dns-expected').textContent()) ?? '', new RegExp(`v=DMARC1; p=reject; rua=mailto:dmarc@${domain.replace(/\./g, '\\.')}`));
      assert.match(cli(shell, 'audit', 'list'), /dns\.setPolicy/);
    });
  });

  test('says plainly when the site has no resolver, or the resolver cannot be reached', { timeout: 45_000 }, async () => {
    await inConsole({ browser }, async ({ page, shell }) => {
      cli(shell, 'site', 'add', 'branch');
      cli(shell, 'domain', 'add', 'branch.example', '--site', 'branch');
      await openDomain(page, 'branch.example');
      await page.getByText('Set the site’s resolver first').waitFor();
      await page.getByText('copper site edit branch --resolver IP[:PORT]').waitFor();

      cli(shell, 'site', 'edit', 'branch', '--resolver', '127.0.0.1:9');
      await page.reload();
      await page.getByRole('heading', { name: 'DNS of branch.example', level: 2 }).waitFor();
      await checkNow(page);
      const alert = page.getByTestId('error-alert');
      await alert.getByText('The check could not finish').waitFor();
      await alert.getByText(/The resolver 127\.0\.0\.1:9 cannot be reached: nothing answers DNS there/).waitFor();
      await alert.getByText('Code DNS_UNREACHABLE').waitFor();
      await screenshot(page, 'dns-unreachable');

      await openDomain(page, 'nowhere.example');
      await page.getByTestId('dns-unknown-domain').getByText('There is no mail domain named nowhere.example').waitFor();
      assert.equal(await page.getByRole('button', { name: 'Check now' }).isDisabled(), true);
    });
  });

  test('the host form takes the host’s public mail names', { timeout: 30_000 }, async () => {
    await inConsole({ browser }, async ({ page, shell }) => {
      cli(shell, 'site', 'add', 'hq', '--resolver', '10.0.0.53');
      cli(shell, 'host', 'add', 'mx1', '--site', 'hq', '--ssh', 'copper@10.0.0.5');
      await page.reload(); // the CLI is another process: this page learns of its changes by loading again
      await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Hosts' }).click();
      await page.getByRole('button', { name: 'Edit host mx1' }).click();
      const edit = page.getByRole('dialog', { name: 'Edit host mx1' });
      await edit.getByLabel('Mail FQDNs').fill('MX1.Example.org');
      await edit.getByLabel('Mail FQDNs').press('Enter');
      await edit.getByRole('button', { name: 'Review changes' }).click();
      await planDialog(page, 'Change host mx1').getByText('mail names [] → [mx1.example.org]').waitFor();
      await confirmPlan(page, 'Change host mx1');
      await edit.waitFor({ state: 'hidden' });
      assert.deepEqual((JSON.parse(cli(shell, '--json', 'host', 'show', 'mx1')) as { mailNames: string[] }).mailNames, ['mx1.example.org']);
    });
  });
});
