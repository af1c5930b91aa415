import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { inConsole, launchChromium, requireBuild, screenshot, type BrowserShellProcess } from '../support/browser-shell';
import { labDns, publishTxt, removeRecords, uniqueDomain } from '../support/dns';
import { lab } from '../support/lab';
import { planDialog } from './ui-steps';

/**
 * The operator's DKIM rotation in Chromium against the lab: Rspamd on the lab host (through the sudo login), the lab
 * BIND server as the site's resolver. The test plays the DNS team with the record text the page shows.
 */

interface DkimLab {
  rspamd: { localConfDir: string; normalPort: number; dkim: { keyDir: string; pidFile: string } };
  users: { sudo: { name: string; privateKey: string } };
  ssh: { port: number; hostKeyFingerprint: string };
}

function cli(shell: BrowserShellProcess, ...args: string[]): string {
  const run = shell.copper(args);
  assert.equal(run.status, 0, `copper ${args.join(' ')}: ${run.stderr}${run.stdout}`);
  return run.stdout;
}

/** Clicks the rotate button and confirms the plan it shows; waits for the step's result. */
async function rotateStep(page: Page, button: string, summary: RegExp): Promise<string> {
  const panel = page.getByTestId('dkim-domain');
  await panel.getByRole('button', { name: button }).click();
  const dialog = planDialog(page, summary);
  await dialog.getByTestId('dkim-plan-next').waitFor();
  await dialog.getByRole('button', { name: summary }).click();
  await dialog.waitFor({ state: 'hidden', timeout: 60_000 });
  const result = panel.getByTestId('dkim-result');
  await result.waitFor();
  return (await result.textContent()) ?? '';
}

describe('DKIM in the browser shell', { timeout: 240_000 }, () => {
  let browser: Browser;
  const domain = uniqueDomain('e2edkim');
  const names = new Set<string>();
  before(async () => {
    requireBuild();
    labDns();
    browser = await launchChromium();
  });
  after(async () => {
    for (const name of names) await removeRecords(name, 'TXT').catch(() => undefined);
    const l = lab() as unknown as DkimLab;
    rmSync(join(l.rspamd.localConfDir, 'local.d', 'copper-dkim', `${domain}.conf`), { force: true });
    if (existsSync(l.rspamd.dkim.keyDir)) {
      for (const file of readdirSync(l.rspamd.dkim.keyDir)) if (file.endsWith(`.${domain}.key`)) rmSync(join(l.rspamd.dkim.keyDir, file), { force: true });
    }
    spawnSync('/usr/bin/pkill', ['--signal', 'HUP', '-F', l.rspamd.dkim.pidFile, '-x', 'rspamd']);
    await browser?.close();
  });

  test('prepares a key, shows its record as text, verifies it once published and activates it on the lab Rspamd', { timeout: 180_000 }, async () => {
    const l = lab() as unknown as DkimLab;
    await inConsole({ browser }, async ({ page, shell }) => {
      cli(shell, 'site', 'add', 'lab', '--resolver', labDns().resolver);
      cli(shell, 'domain', 'add', domain, '--site', 'lab');
      cli(shell, 'host', 'add', 'mx', '--site', 'lab', '--ssh', `${l.users.sudo.name}@127.0.0.1:${l.ssh.port}`, '--identity', l.users.sudo.privateKey, '--sudo');
      cli(shell, 'host', 'trust', 'mx', '--fingerprint', l.ssh.hostKeyFingerprint);
      cli(shell, 'dkim', 'rspamd', 'mx', '--conf-dir', l.rspamd.localConfDir, '--key-dir', l.rspamd.dkim.keyDir, '--pid-file', l.rspamd.dkim.pidFile, '--scanner', `127.0.0.1:${l.rspamd.normalPort}`, '--yes');

      await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'DKIM' }).click();
      await page.getByRole('heading', { name: 'DKIM', level: 2 }).waitFor();
      const row = page.getByTestId(`dkim-domain-${domain}`);
      await row.getByText('no key yet').waitFor();
      await row.getByText('Prepare a new key').waitFor();
      await row.getByRole('button', { name: domain }).click();

      const panel = page.getByTestId('dkim-domain');
      const prepared = await rotateStep(page, 'Prepare a new key', /^Prepare a new RSA-2048 DKIM key for /);
      assert.match(prepared, /Prepared an RSA-2048 key with selector cu-\d{4}-\d{2}/);
      const selector = /selector (cu-[0-9-]+)/.exec(prepared)?.[1] ?? '';
      const recordText = (await panel.getByTestId('dkim-record-text').textContent()) ?? '';
      assert.match(recordText, /^v=DKIM1; k=rsa; p=[A-Za-z0-9+/=]{300,}$/);
      await panel.getByText(`TXT at ${selector}._domainkey.${domain}`).waitFor();
      await row.getByText('1 missing').waitFor();
      await screenshot(page, 'dkim-prepared', { fullPage: true });

      // The DNS team publishes exactly the text the page shows.
      const name = `${selector}._domainkey.${domain}`;
      names.add(name);
      await publishTxt(name, recordText);
      const verified = await rotateStep(page, 'Verify the record', /^Check that lab’s resolver serves the DKIM record/);
      assert.match(verified, /the key is published/);

      const activated = await rotateStep(page, 'Activate the new key', new RegExp(`^Make Rspamd sign ${domain.replace(/\./g, '\\.')} with selector`));
      assert.match(activated, new RegExp(`Rspamd on mx signs ${domain.replace(/\./g, '\\.')} with ${selector}`));
      await row.getByText(selector, { exact: true }).waitFor();
      await row.getByText('1 ok').waitFor();
      await panel.getByTestId(`dkim-key-${selector}`).getByText('active').waitFor();
      await screenshot(page, 'dkim-active', { fullPage: true });
    });
  });
});
