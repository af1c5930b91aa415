import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { launchChromium, inConsole, requireBuild, screenshot } from '../support/browser-shell';
import { goTo } from './ui-steps';

describe('settings in the browser shell', { timeout: 60_000 }, () => {
  let browser: Browser;
  before(async () => {
    requireBuild();
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
  });

  test('shows what the console runs on and switches to the dark theme', { timeout: 25_000 }, async () => {
    await inConsole({ browser }, async (session) => {
      const { page, shell } = session;
      assert.equal(shell.copper(['site', 'add', 'hq', '--resolver', '10.0.0.53', '--description', 'Headquarters']).status, 0);
      assert.equal(shell.copper(['domain', 'add', 'example.org', '--site', 'hq']).status, 0);
      await goTo(page, 'Settings');
      const about = page.getByTestId('about-table');
      await about.waitFor();
      const text = (await about.textContent()) ?? '';
      for (const expected of ['0.1.0', 'Browser (copper serve)', shell.dataDir, 'Passphrase vault']) {
        assert.ok(text.includes(expected), `About shows ${expected}: ${text}`);
      }
      await page.getByText('Secrets never reach this window').waitFor();
      await screenshot(page, 'settings');

      const scheme = () => page.evaluate(() => document.documentElement.getAttribute('data-mantine-color-scheme'));
      assert.equal(await scheme(), 'light');
      await page.getByTestId('theme-choice').getByText('Dark', { exact: true }).click();
      assert.equal(await scheme(), 'dark');
      await screenshot(page, 'settings-dark');

      await page.reload();
      await page.getByRole('heading', { name: 'Settings', level: 2 }).waitFor();
      assert.equal(await scheme(), 'dark', 'the choice is remembered');
      await goTo(page, 'Sites');
      await page.getByTestId('site-row-hq').waitFor();
      await screenshot(page, 'sites-dark');
      await goTo(page, 'Hosts');
      await page.getByRole('main').getByRole('button', { name: 'Add host' }).click();
      await page.getByRole('dialog', { name: 'Add host' }).getByText('Private key', { exact: true }).click();
      await screenshot(page, 'host-form-dark');
      await page.keyboard.press('Escape');

      // The header toggle flips it back.
      await page.getByRole('button', { name: 'Switch to light theme' }).click();
      assert.equal(await scheme(), 'light');
    });
  });
});
