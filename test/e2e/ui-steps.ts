import type { Locator, Page } from 'playwright-core';

/** The operator's steps, written once so every spec drives the UI the same way: by roles and labels, as a person would. */

export async function goTo(page: Page, label: 'Fleet' | 'Queues' | 'Sites' | 'Hosts' | 'Audit trail' | 'Settings'): Promise<void> {
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: label }).click();
  await page.getByRole('heading', { name: label, level: 2 }).waitFor();
}

/** The plan dialog, found by its title (the plan's summary, e.g. "Add site hq"). */
export function planDialog(page: Page, summary: string | RegExp): Locator {
  return page.getByRole('dialog', { name: summary });
}

export async function confirmPlan(page: Page, summary: string): Promise<void> {
  const dialog = planDialog(page, summary);
  await dialog.getByRole('button', { name: summary }).click();
  await dialog.waitFor({ state: 'hidden' });
}

export async function addSite(page: Page, site: { name: string; resolver?: string; description?: string }): Promise<void> {
  await page.getByRole('main').getByRole('button', { name: 'Add site' }).click();
  const drawer = page.getByRole('dialog', { name: 'Add site' });
  await drawer.getByLabel('Name').fill(site.name);
  if (site.resolver) await drawer.getByLabel('Internal DNS resolver').fill(site.resolver);
  if (site.description) await drawer.getByLabel('Description').fill(site.description);
  await drawer.getByRole('button', { name: 'Add site' }).click();
  await confirmPlan(page, `Add site ${site.name}`);
  await drawer.waitFor({ state: 'hidden' });
}

export interface HostFields {
  name: string;
  site: string;
  user: string;
  address: string;
  port?: number;
  password?: string;
  tags?: string[];
}

/** Fills the Add host form (already open) without submitting it. */
export async function fillHostForm(page: Page, host: HostFields): Promise<Locator> {
  const drawer = page.getByRole('dialog', { name: 'Add host' });
  await drawer.getByRole('textbox', { name: 'Name' }).fill(host.name);
  const site = drawer.getByRole('textbox', { name: 'Site' });
  if ((await site.inputValue()) !== host.site) {
    await site.click();
    await page.getByRole('option', { name: host.site, exact: true }).click();
  }
  await drawer.getByLabel('SSH user').fill(host.user);
  await drawer.getByLabel('Address').fill(host.address);
  if (host.port !== undefined) await drawer.getByLabel('Port').fill(String(host.port));
  if (host.password !== undefined) {
    await drawer.getByText('Password', { exact: true }).click();
    await drawer.getByLabel('SSH password').fill(host.password);
  }
  for (const tag of host.tags ?? []) {
    await drawer.getByLabel('Tags').fill(tag);
    await drawer.getByLabel('Tags').press('Enter');
  }
  return drawer;
}

/** The drawer's step after a host was added: the key it presents, with Trust and Later. */
export function trustStep(page: Page, host: string): Locator {
  return page.getByRole('dialog', { name: `Verify the host key of ${host}` });
}

/** Leaves the trust step for later (the host page offers it again), closing the drawer. */
export async function trustLater(page: Page, host: string): Promise<void> {
  const step = trustStep(page, host);
  await step.getByRole('button', { name: 'Later' }).click();
  await step.waitFor({ state: 'hidden' });
}

/** Adds a host through the drawer and leaves its key for later. */
export async function addHost(page: Page, host: HostFields): Promise<void> {
  await page.getByRole('main').getByRole('button', { name: 'Add host' }).click();
  const drawer = await fillHostForm(page, host);
  await drawer.getByRole('button', { name: 'Add host' }).click();
  await confirmPlan(page, `Add host ${host.name} to site ${host.site}`);
  await trustLater(page, host.name);
}

/** Opens a host's own page from the Hosts table, as an operator would. */
export async function openHostPage(page: Page, name: string): Promise<void> {
  await goTo(page, 'Hosts');
  await page.getByTestId(`host-row-${name}`).getByRole('link', { name, exact: true }).click();
  await page.getByRole('heading', { name, level: 2, exact: true }).waitFor();
}
