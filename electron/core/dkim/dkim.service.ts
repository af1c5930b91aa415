import {
  CopperError,
  DkimDomainStatus,
  type DkimAlgorithm,
  type DkimPolicy,
  type DkimRecordStatus,
  type DkimRotatePlan,
  type PlannedChange,
  type Progress,
  type RspamdSettings,
} from '../../../shared/contract';
import type { Clock } from '../app/clock';
import type { Db } from '../db/database';
import type { ExecTargets } from '../exec/exec-targets';
import { notFound, plan as basicPlan, type InventoryService } from '../inventory/inventory.service';
import { presentRecord } from '../dns/dns-answers';
import { ResolverClient, type ResolverClientOptions } from '../dns/dns-client';
import { compareRecord } from '../dns/record-compare';
import type { DkimExpectation, DkimRecordSource } from '../dns/record-sources';
import { parseResolverAddress } from '../dns/resolver-address';
import { rdataOf } from '../dns/zone-file';
import type { SecretStore } from '../secrets/secret-store';
import { dkimArchiveRef, dkimRecordText, dkimSecretRef, generateDkimKey, readStoredKey, rspamdKeyFile, type StoredDkimKey } from './dkim-keys';
import { DkimStore, keyView, type KeyRow } from './dkim-store';
import { RspamdHost } from './rspamd-host';
import { hostOwnerWarning, placeRspamd, type RunningContainers } from './rspamd-places';
import { nextSelector } from './selector-pattern';

/**
 * Named points inside a rotation step. Tests stop the console at each one (the hook never returns) and start a fresh
 * console, to prove every step resumes from a consistent state. In production the hook does nothing.
 */
export type DkimCheckpoint =
  | 'prepare:key-stored'
  | 'activate:pending-written'
  | 'activate:keys-written'
  | 'activate:config-written'
  | 'activate:reloaded'
  | 'retire:archived'
  | 'retire:pending-written'
  | 'retire:config-written'
  | 'retire:key-removed'
  | 'retire:committed';

export interface DkimServiceOptions {
  resolver?: Partial<ResolverClientOptions>;
  /** How long to wait for Rspamd to sign as configured after a reload. */
  settleMs?: number;
  checkpoint?: (point: DkimCheckpoint) => Promise<void> | void;
  /** Finds the containers of a docker-mode host (Rspamd runs in one of them); without it docker-mode hosts are refused. */
  containers?: RunningContainers;
}

interface DomainFacts {
  id: number;
  name: string;
  site: string;
  resolver: string | null;
}

type RotateOutput = {
  domain: string;
  step: DkimRotatePlan['step'];
  selector: string | null;
  advanced: boolean;
  message: string;
  nextAction: string;
  record: { name: string; text: string } | null;
  found: string[];
};

/** What `rotate` would do now, worked out from the database alone. */
type NextStep =
  | { step: 'prepare'; selector: string; algorithm: DkimAlgorithm }
  | { step: 'verify'; key: KeyRow }
  | { step: 'activate'; key: KeyRow; resuming: boolean }
  | { step: 'retire'; key: KeyRow; resuming: boolean }
  | { step: 'wait'; key: KeyRow; until: Date };

const DAY_MS = 86_400_000;
const recordName = (selector: string, domain: string) => `${selector}._domainkey.${domain}`;

/**
 * DKIM keys and their staged rotation, per domain, as a state machine kept in the database:
 * prepared → published → active → retiring → retired. Each call of `rotate` takes one step. Rules that must hold:
 * - Rspamd is never configured to sign with a key whose record the site's resolver has not served byte for byte,
 *   checked again right before activation.
 * - A private key is in the secret store before any database row names it, and archived there before it is removed
 *   from a server.
 * - A step with remote effects is written down (dkim_pending) before the first one and cleared with the final state
 *   in one transaction; every remote effect is idempotent, so a step that was interrupted is simply done again.
 */
export class DkimService implements DkimRecordSource {
  private readonly store: DkimStore;

  constructor(
    db: Db,
    private readonly secrets: SecretStore,
    private readonly clock: Clock,
    private readonly inventory: InventoryService,
    private readonly exec: ExecTargets,
    private readonly options: DkimServiceOptions = {},
  ) {
    this.store = new DkimStore(db);
  }

  // ── The records DNS expects (DkimRecordSource) ─────────────────────────────

  async expected(domainName: string): Promise<DkimExpectation[]> {
    const row = this.inventory.domainRow(domainName);
    if (!row) return [];
    return this.store
      .keys(row.id)
      .filter((k) => k.state !== 'retired')
      .map((k) => ({ selector: k.selector, text: k.record_text }));
  }

  // ── Policy and host settings ───────────────────────────────────────────────

  policy(domainName: string): { domain: string; policy: DkimPolicy; isDefault: boolean } {
    const domain = this.domain(domainName);
    return { domain: domain.name, ...this.store.policy(domain.id) };
  }

  planSetPolicy(domainName: string, next: DkimPolicy | null) {
    const domain = this.domain(domainName);
    if (next) this.validateHosts(domain, next.hosts);
    const current = this.store.policy(domain.id);
    const changes: PlannedChange[] = [];
    const wanted = next ?? this.store.policy(-1).policy;
    for (const key of Object.keys(wanted) as Array<keyof DkimPolicy>) {
      const before = JSON.stringify(current.policy[key]);
      const after = JSON.stringify(wanted[key]);
      if (before !== after) changes.push({ action: 'update', target: `DKIM policy of ${domain.name}`, detail: `${key}: ${before} → ${after}` });
    }
    if (next === null && !current.isDefault && !changes.length) changes.push({ action: 'delete', target: `stored DKIM policy of ${domain.name}`, detail: 'back to the defaults' });
    return basicPlan(next === null ? `Restore the default DKIM policy of ${domain.name}` : `Change the DKIM policy of ${domain.name}`, changes, changes.length ? ['The policy applies from the next rotation step; nothing on the servers changes now.'] : ['The policy is already this: nothing changes.']);
  }

  setPolicy(domainName: string, next: DkimPolicy | null) {
    const domain = this.domain(domainName);
    if (next) this.validateHosts(domain, next.hosts);
    this.store.setPolicy(domain.id, next, this.now());
    return this.policy(domain.name);
  }

  rspamd(hostName: string): { host: string; settings: RspamdSettings; isDefault: boolean } {
    const host = this.hostId(hostName);
    return { host: host.name, ...this.store.rspamd(host.id) };
  }

  planSetRspamd(hostName: string, next: RspamdSettings | null) {
    const current = this.rspamd(hostName);
    const wanted = next ?? this.store.rspamd(-1).settings;
    const changes: PlannedChange[] = [];
    for (const key of Object.keys(wanted) as Array<keyof RspamdSettings>) {
      const before = JSON.stringify(current.settings[key]);
      const after = JSON.stringify(wanted[key]);
      if (before !== after) changes.push({ action: 'update', target: `Rspamd of ${current.host}`, detail: `${key}: ${before} → ${after}` });
    }
    return basicPlan(`Change where ${current.host}’s Rspamd keeps DKIM keys and how it is reloaded`, changes, changes.length ? ['Keys already on the server are not moved: change this before the first activation, or activate again after.'] : ['Nothing changes.']);
  }

  setRspamd(hostName: string, next: RspamdSettings | null) {
    const host = this.hostId(hostName);
    this.store.setRspamd(host.id, next, this.now());
    return this.rspamd(host.name);
  }

  // ── Status ─────────────────────────────────────────────────────────────────

  async status(input: { domain?: string | undefined; site?: string | undefined; checkDns: boolean }, signal?: AbortSignal, progress?: (p: Progress) => void): Promise<{ asOf: string; domains: DkimDomainStatus[] }> {
    const names = input.domain ? [this.domain(input.domain).name] : this.inventory.listDomains(input.site).map((d) => d.name);
    const domains: DkimDomainStatus[] = [];
    for (const [index, name] of names.entries()) {
      if (signal?.aborted) throw new CopperError('CANCELLED', 'The DKIM status was cancelled.');
      progress?.({ step: 'domain', done: index, total: names.length, message: `DKIM of ${name}` });
      domains.push(await this.domainStatus(name, input.checkDns, signal));
    }
    progress?.({ step: 'domain', done: names.length, total: names.length, message: `DKIM of ${names.length} domains` });
    return { asOf: this.now(), domains };
  }

  private async domainStatus(name: string, checkDns: boolean, signal?: AbortSignal): Promise<DkimDomainStatus> {
    const domain = this.domain(name);
    const { policy } = this.store.policy(domain.id);
    const keys = this.store.keys(domain.id);
    const active = keys.find((k) => k.state === 'active');
    const now = this.clock.now();
    const due = active?.activated_at ? new Date(Date.parse(active.activated_at) + policy.rotateEveryDays * DAY_MS) : null;
    const pending = this.store.pending(domain.id);
    const pendingKey = pending ? this.store.key(pending.key_id) : undefined;
    const next = this.nextStep(domain);
    const live = keys.filter((k) => k.state !== 'retired');
    let records: DkimRecordStatus[] = live.map((k) => ({ selector: k.selector, state: k.state, name: recordName(k.selector, domain.name), status: 'unchecked', found: [], message: '' }));
    let recordsError: DkimDomainStatus['recordsError'] = null;
    if (checkDns && live.length) {
      try {
        const client = this.resolverFor(domain);
        records = [];
        for (const key of live) records.push(await this.checkRecord(client, domain, key, signal));
      } catch (error) {
        if (!(error instanceof CopperError)) throw error;
        recordsError = { code: error.code, message: error.message };
        records = live.map((k) => ({ selector: k.selector, state: k.state, name: recordName(k.selector, domain.name), status: 'unchecked', found: [], message: '' }));
      }
    }
    return DkimDomainStatus.parse({
      domain: domain.name,
      site: domain.site,
      policy,
      activeSelector: active?.selector ?? null,
      activeKeyAgeDays: active?.activated_at ? Math.floor((now.getTime() - Date.parse(active.activated_at)) / DAY_MS) : null,
      nextRotationDue: due?.toISOString() ?? null,
      rotationOverdue: due !== null && due.getTime() <= now.getTime(),
      nextStep: next.step === 'activate' || next.step === 'retire' ? (next.resuming ? 'resume' : next.step) : next.step,
      nextAction: this.describeNext(domain, next),
      interrupted: pending && pendingKey ? { step: pending.step, selector: pendingKey.selector, since: pending.started_at } : null,
      keys: keys.map((k) => keyView(k, domain.name)),
      records,
      recordsError,
    });
  }

  // ── The record text ────────────────────────────────────────────────────────

  record(domainName: string) {
    const domain = this.domain(domainName);
    const keys = this.store.keys(domain.id);
    const records = keys.map((k) => ({ selector: k.selector, state: k.state, name: recordName(k.selector, domain.name), text: k.record_text, publish: k.state !== 'retired' }));
    const lines = [`; DKIM records of ${domain.name} (Copper Console)`];
    for (const r of records) {
      lines.push(r.publish ? `${r.name}. 3600 IN TXT ${rdataOf('TXT', r.text)}` : `; retired, delete it: ${r.name}. TXT`);
    }
    return { domain: domain.name, records, zone: `${lines.join('\n')}\n` };
  }

  // ── Rotation ───────────────────────────────────────────────────────────────

  async planRotate(domainName: string, algorithm?: DkimAlgorithm, signal?: AbortSignal): Promise<DkimRotatePlan> {
    const domain = this.domain(domainName);
    const next = this.nextStep(domain, algorithm);
    const { policy } = this.store.policy(domain.id);
    const base = { domain: domain.name, step: next.step === 'activate' || next.step === 'retire' ? (next.resuming ? 'resume' : next.step) : next.step, destructive: false } as const;
    const nextAction = this.describeNext(domain, next);
    switch (next.step) {
      case 'prepare': {
        const warnings = this.store.keys(domain.id).some((k) => k.state === 'active') ? [] : ['This is the domain’s first key: Rspamd starts signing for it when the key is activated.'];
        return {
          ...base,
          selector: next.selector,
          summary: `Prepare a new ${next.algorithm === 'rsa2048' ? 'RSA-2048' : 'Ed25519'} DKIM key for ${domain.name}, selector ${next.selector}`,
          changes: [
            { action: 'create', target: `DKIM key ${next.selector} of ${domain.name}`, detail: `${next.algorithm}, private key kept in the secret store` },
          ],
          warnings,
          nextAction: `Ask the DNS team to publish the TXT record ${recordName(next.selector, domain.name)} (copper dkim record ${domain.name}), then run copper dkim rotate ${domain.name} to verify it.`,
        };
      }
      case 'verify':
        return {
          ...base,
          selector: next.key.selector,
          summary: `Check that ${domain.site}’s resolver serves the DKIM record of selector ${next.key.selector}, exactly`,
          changes: [{ action: 'update', target: `DKIM key ${next.key.selector} of ${domain.name}`, detail: `prepared → published, if ${domain.resolver ?? 'the site’s resolver'} serves ${recordName(next.key.selector, domain.name)} TXT byte for byte` }],
          warnings: domain.resolver ? [] : [`Site ${domain.site} has no resolver set: the record cannot be checked (copper site edit ${domain.site} --resolver IP[:PORT]).`],
          nextAction,
        };
      case 'activate': {
        // Docker mode: the Rspamd container is found (and checked to see the host's folders) now, so a plan that
        // cannot be carried out fails before it is confirmed.
        const hosts = await this.rspamdHosts(domain, policy, signal);
        const previous = this.store.keys(domain.id).find((k) => k.state === 'active');
        const selectors = [next.key.selector, ...(policy.overlap && previous ? [previous.selector] : [])];
        const changes: PlannedChange[] = [];
        for (const host of hosts) {
          const layout = host.rspamd.layout;
          changes.push({ action: 'create', target: `${host.name}: ${layout.keyFile(next.key.selector, domain.name)}`, detail: `private key of ${next.key.selector}, mode 0600, owner ${host.rspamd.keyOwner}` });
          changes.push({ action: 'update', target: `${host.name}: ${layout.domainConf(domain.name)}`, detail: `sign with ${selectors.join(' and ')}` });
          changes.push({ action: 'update', target: `${host.name}: ${host.rspamd.where}`, detail: `reload (${host.rspamd.reloadArgv.join(' ')}), then check that a test message is signed with exactly these selectors` });
        }
        changes.push({ action: 'update', target: `DKIM key ${next.key.selector}`, detail: 'published → active' });
        if (previous) changes.push({ action: 'update', target: `DKIM key ${previous.selector}`, detail: `active → retiring (its record stays for ${policy.graceDays} days${policy.overlap ? '; it keeps signing too' : ''})` });
        const warnings = [
          ...hosts.map((h) => hostOwnerWarning(h.name, h.settings, h.rspamd.inContainer)).filter((w): w is string => w !== null),
          'The record is checked once more through the site’s resolver first; if it is no longer served exactly, nothing is changed.',
          'If Rspamd does not sign as expected after the reload, the previous configuration is written back and Rspamd reloaded.',
          ...(next.resuming ? [`An activation of ${next.key.selector} was started and not finished; this does it again from the start.`] : []),
        ];
        return { ...base, selector: next.key.selector, summary: `Make Rspamd sign ${domain.name} with selector ${next.key.selector} on ${hosts.map((h) => h.name).join(', ')}`, changes, warnings, nextAction };
      }
      case 'retire': {
        const hosts = await this.rspamdHosts(domain, policy, signal);
        const changes: PlannedChange[] = [{ action: 'create', target: `archive of DKIM key ${next.key.selector}`, detail: 'kept encrypted in the secret store' }];
        for (const host of hosts) {
          const layout = host.rspamd.layout;
          changes.push({ action: 'update', target: `${host.name}: ${layout.domainConf(domain.name)}`, detail: `stop signing with ${next.key.selector}` });
          changes.push({ action: 'delete', target: `${host.name}: ${layout.keyFile(next.key.selector, domain.name)}`, detail: 'after Rspamd reloaded without it' });
        }
        changes.push({ action: 'update', target: `DKIM key ${next.key.selector}`, detail: 'retiring → retired' });
        return {
          ...base,
          destructive: true,
          selector: next.key.selector,
          summary: `Retire DKIM selector ${next.key.selector} of ${domain.name}: remove its key from the servers (archived first)`,
          changes,
          warnings: next.resuming ? [`A retirement of ${next.key.selector} was started and not finished; this does it again from the start.`] : [],
          nextAction,
        };
      }
      case 'wait':
        return {
          ...base,
          selector: next.key.selector,
          summary: `Nothing to do for ${domain.name} until ${next.until.toISOString()}: selector ${next.key.selector} is in its grace period`,
          changes: [],
          warnings: [],
          nextAction,
        };
    }
  }

  async rotate(domainName: string, algorithm: DkimAlgorithm | undefined, signal?: AbortSignal): Promise<RotateOutput> {
    const domain = this.domain(domainName);
    const next = this.nextStep(domain, algorithm);
    // The result names the step taken; its nextAction, the one after it.
    const taken = { step: stepName(next), selector: 'key' in next ? next.key.selector : next.selector };
    switch (next.step) {
      case 'prepare':
        return { ...(await this.prepare(domain, next.selector, next.algorithm)), ...taken };
      case 'verify':
        return { ...(await this.verify(domain, next.key, signal)), ...taken };
      case 'activate':
        return { ...(await this.activate(domain, next.key, signal)), ...taken };
      case 'retire':
        return { ...(await this.retire(domain, next.key, signal)), ...taken };
      case 'wait':
        return { ...this.output(domain, next, false, `Nothing to do: selector ${next.key.selector} stays until ${next.until.toISOString()}.`), ...taken };
    }
  }

  private async prepare(domain: DomainFacts, selector: string, algorithm: DkimAlgorithm): Promise<RotateOutput> {
    const ref = dkimSecretRef(domain.id, selector);
    // A key stored by an earlier attempt that stopped before its row was written is taken up again, not replaced.
    const earlier = await this.secrets.get(ref);
    let stored: StoredDkimKey | undefined = earlier !== undefined ? readStoredKey(earlier, ref) : undefined;
    if (!stored || stored.algorithm !== algorithm) {
      stored = { v: 1, domain: domain.name, selector, ...generateDkimKey(algorithm) };
      await this.secrets.set(ref, JSON.stringify(stored));
    }
    await this.checkpoint('prepare:key-stored');
    const text = dkimRecordText(stored);
    this.store.insertPrepared({ domainId: domain.id, selector, algorithm, recordText: text, secretRef: ref, createdAt: this.now() });
    const key = this.requireKey(domain, selector);
    return {
      ...this.output(domain, this.nextStep(domain), true, `Prepared ${algorithm === 'rsa2048' ? 'an RSA-2048' : 'an Ed25519'} key with selector ${selector}.`),
      selector,
      record: { name: recordName(selector, domain.name), text: key.record_text },
    };
  }

  private async verify(domain: DomainFacts, key: KeyRow, signal?: AbortSignal): Promise<RotateOutput> {
    const client = this.resolverFor(domain);
    const check = await this.checkRecord(client, domain, key, signal);
    if (check.status !== 'ok') {
      return {
        ...this.output(domain, this.nextStep(domain), false, `The record of selector ${key.selector} is not published as expected (${check.status}): ${check.message}`),
        selector: key.selector,
        record: { name: check.name, text: key.record_text },
        found: check.found,
      };
    }
    this.store.markPublished(key.id, this.now());
    return { ...this.output(domain, this.nextStep(domain), true, `${domain.resolver ?? ''} serves the record of selector ${key.selector} exactly: the key is published.`), selector: key.selector, found: check.found };
  }

  private async activate(domain: DomainFacts, key: KeyRow, signal?: AbortSignal): Promise<RotateOutput> {
    const { policy } = this.store.policy(domain.id);
    // Before anything is written: in docker mode a host without a running Rspamd container fails here.
    const hosts = await this.rspamdHosts(domain, policy, signal);
    // Checked again now, not trusted from the earlier verify: the record may have been changed or deleted since.
    const check = await this.checkRecord(this.resolverFor(domain), domain, key, signal);
    if (check.status !== 'ok') {
      await this.rollBack(domain, hosts, signal);
      this.store.markUnpublished(key.id);
      this.store.clearPending(domain.id);
      throw new CopperError(
        'DKIM_RECORD_NOT_VERIFIED',
        `Selector ${key.selector} is not activated: its record is no longer served exactly (${check.status}). ${check.message} Rspamd keeps signing as before; publish the record again and run rotate.`,
        { selector: key.selector, found: check.found },
      );
    }
    const previous = this.store.keys(domain.id).find((k) => k.state === 'active');
    const selectors = [key.selector, ...(policy.overlap && previous ? [previous.selector] : [])];
    const keyFiles = await Promise.all(
      [key, ...(previous ? [previous] : [])].map(async (k) => ({ selector: k.selector, keyFile: rspamdKeyFile(readStoredKey(await this.secrets.get(k.secret_ref), k.secret_ref)) })),
    );
    this.store.beginPending(domain.id, 'activate', key.id, this.now());
    await this.checkpoint('activate:pending-written');
    try {
      for (const host of hosts) {
        await host.rspamd.ensureLayout(signal);
        for (const file of keyFiles) await host.rspamd.writeKey(domain.name, file, signal);
      }
      await this.checkpoint('activate:keys-written');
      for (const host of hosts) await host.rspamd.writeDomainConf(domain.name, selectors, signal);
      await this.checkpoint('activate:config-written');
      for (const host of hosts) await host.rspamd.reload(signal);
      await this.checkpoint('activate:reloaded');
      for (const host of hosts) await host.rspamd.expectSigning(domain.name, selectors, signal);
    } catch (error) {
      const rolledBack = await this.rollBack(domain, hosts, signal);
      this.store.clearPending(domain.id);
      throw withRollback(error, rolledBack, `Selector ${key.selector} was not activated`);
    }
    this.store.commitActivation(domain.id, key.id, this.now());
    const message = previous
      ? `Rspamd on ${hosts.map((h) => h.name).join(', ')} signs ${domain.name} with ${selectors.join(' and ')}. Selector ${previous.selector} is retiring: keep its record for ${policy.graceDays} days.`
      : `Rspamd on ${hosts.map((h) => h.name).join(', ')} signs ${domain.name} with ${key.selector}.`;
    return { ...this.output(domain, this.nextStep(domain), true, message), selector: key.selector };
  }

  private async retire(domain: DomainFacts, key: KeyRow, signal?: AbortSignal): Promise<RotateOutput> {
    const { policy } = this.store.policy(domain.id);
    const hosts = await this.rspamdHosts(domain, policy, signal);
    // Archive first: from here on the key may disappear from the servers, never from the console.
    if (!key.archive_ref) {
      const archiveRef = dkimArchiveRef(domain.id, key.selector);
      const stored = readStoredKey(await this.secrets.get(key.secret_ref), key.secret_ref);
      await this.secrets.set(archiveRef, JSON.stringify(stored));
      this.store.setArchive(key.id, archiveRef);
    }
    await this.checkpoint('retire:archived');
    this.store.beginPending(domain.id, 'retire', key.id, this.now());
    await this.checkpoint('retire:pending-written');
    const remaining = this.signingSelectors(domain.id, policy).filter((s) => s !== key.selector);
    try {
      for (const host of hosts) await host.rspamd.writeDomainConf(domain.name, remaining, signal);
      await this.checkpoint('retire:config-written');
      for (const host of hosts) await host.rspamd.reload(signal);
      for (const host of hosts) await host.rspamd.expectSigning(domain.name, remaining, signal);
      for (const host of hosts) await host.rspamd.removeKey(domain.name, key.selector, signal);
      await this.checkpoint('retire:key-removed');
    } catch (error) {
      const rolledBack = await this.rollBack(domain, hosts, signal);
      this.store.clearPending(domain.id);
      throw withRollback(error, rolledBack, `Selector ${key.selector} was not retired`);
    }
    this.store.commitRetirement(domain.id, key.id, this.now());
    await this.checkpoint('retire:committed');
    // The archive holds the key now; the working copy goes. Stopping before this leaves a duplicate, never a loss.
    await this.secrets.delete(key.secret_ref);
    return {
      ...this.output(domain, this.nextStep(domain), true, `Selector ${key.selector} is retired: its key is off ${hosts.map((h) => h.name).join(', ')} and archived in the secret store.`),
      selector: key.selector,
      nextAction: `Ask the DNS team to delete the TXT record ${recordName(key.selector, domain.name)}. ${this.describeNext(domain, this.nextStep(domain))}`,
    };
  }

  /**
   * Puts every host back to what the database says signs now (the step being undone is not committed), reloads and
   * checks. Returns whether that worked; a failure here is reported with the original error, not instead of it.
   */
  private async rollBack(domain: DomainFacts, hosts: Array<{ name: string; rspamd: RspamdHost }>, signal?: AbortSignal): Promise<boolean> {
    const { policy } = this.store.policy(domain.id);
    const selectors = this.signingSelectors(domain.id, policy);
    try {
      for (const host of hosts) await host.rspamd.writeDomainConf(domain.name, selectors, signal);
      for (const host of hosts) await host.rspamd.reload(signal);
      for (const host of hosts) await host.rspamd.expectSigning(domain.name, selectors, signal);
      return true;
    } catch {
      return false;
    }
  }

  // ── Working out the next step ──────────────────────────────────────────────

  private nextStep(domain: DomainFacts, algorithm?: DkimAlgorithm): NextStep {
    const keys = this.store.keys(domain.id);
    const pending = this.store.pending(domain.id);
    if (pending) {
      const key = keys.find((k) => k.id === pending.key_id);
      if (key) return { step: pending.step, key, resuming: true };
    }
    const prepared = keys.find((k) => k.state === 'prepared');
    if (prepared) return { step: 'verify', key: prepared };
    const published = keys.find((k) => k.state === 'published');
    if (published) return { step: 'activate', key: published, resuming: false };
    const { policy } = this.store.policy(domain.id);
    const retiring = keys.filter((k) => k.state === 'retiring');
    for (const key of retiring) {
      const until = new Date(Date.parse(key.retiring_since ?? key.created_at) + policy.graceDays * DAY_MS);
      if (until.getTime() <= this.clock.now().getTime()) return { step: 'retire', key, resuming: false };
    }
    const waiting = retiring[0];
    if (waiting) return { step: 'wait', key: waiting, until: new Date(Date.parse(waiting.retiring_since ?? waiting.created_at) + policy.graceDays * DAY_MS) };
    return { step: 'prepare', selector: nextSelector(policy.selectorPattern, this.clock.now(), new Set(keys.map((k) => k.selector))), algorithm: algorithm ?? policy.algorithm };
  }

  /** When the active key is due for replacement, by the domain's policy; null without an active key. */
  private rotationDue(domain: DomainFacts): Date | null {
    const active = this.store.keys(domain.id).find((k) => k.state === 'active');
    if (!active?.activated_at) return null;
    return new Date(Date.parse(active.activated_at) + this.store.policy(domain.id).policy.rotateEveryDays * DAY_MS);
  }

  private describeNext(domain: DomainFacts, next: NextStep): string {
    const cmd = `copper dkim rotate ${domain.name}`;
    switch (next.step) {
      case 'prepare': {
        const due = this.rotationDue(domain);
        if (!due) return `Run ${cmd} to prepare the domain’s first key.`;
        return due.getTime() > this.clock.now().getTime()
          ? `Nothing is needed until ${due.toISOString().slice(0, 10)}, when the next rotation is due; then run ${cmd} to prepare a new key.`
          : `The rotation was due on ${due.toISOString().slice(0, 10)}: run ${cmd} to prepare a new key.`;
      }
      case 'verify':
        return `Ask the DNS team to publish the TXT record ${recordName(next.key.selector, domain.name)} exactly as \`copper dkim record ${domain.name}\` prints it, then run ${cmd} to verify it.`;
      case 'activate':
        return next.resuming
          ? `An ${next.step} of ${next.key.selector} was interrupted: run ${cmd} to finish it.`
          : `Run ${cmd} to make Rspamd sign with ${next.key.selector}.`;
      case 'retire':
        return next.resuming ? `A retirement of ${next.key.selector} was interrupted: run ${cmd} to finish it.` : `Run ${cmd} to retire selector ${next.key.selector}: its grace period is over.`;
      case 'wait':
        return `Keep the record of ${next.key.selector} published until ${next.until.toISOString()}; then run ${cmd} to retire it.`;
    }
  }

  private output(domain: DomainFacts, next: NextStep, advanced: boolean, message: string): RotateOutput {
    const step = next.step === 'activate' || next.step === 'retire' ? (next.resuming ? 'resume' : next.step) : next.step;
    return { domain: domain.name, step, selector: null, advanced, message, nextAction: this.describeNext(domain, next), record: null, found: [] };
  }

  /** The selectors Rspamd signs with according to the database: the active one, and the retiring ones during an overlap. */
  private signingSelectors(domainId: number, policy: DkimPolicy): string[] {
    const keys = this.store.keys(domainId);
    return [...keys.filter((k) => k.state === 'active'), ...(policy.overlap ? keys.filter((k) => k.state === 'retiring') : [])].map((k) => k.selector);
  }

  private signingHosts(domain: DomainFacts, policy: DkimPolicy): Array<{ name: string; settings: RspamdSettings }> {
    const names = policy.hosts.length ? policy.hosts : this.inventory.listHosts({ site: domain.site }).map((h) => h.name);
    if (!names.length) {
      throw new CopperError('INVALID_INPUT', `No host signs for ${domain.name}: site ${domain.site} has no hosts. Add the mail host (copper host add) or name the signing hosts (copper dkim policy ${domain.name} --host NAME).`);
    }
    return names.map((name) => {
      const host = this.inventory.getHost(name);
      return { name: host.name, settings: this.rspamd(host.name).settings };
    });
  }

  /**
   * Each signing host's Rspamd, where it runs: on a native host everything happens there; on a docker-mode host the
   * files are written on the host as on a native one and Rspamd is reloaded and checked in its container
   * (rspamd-places.ts says why and what is checked first).
   */
  private async rspamdHosts(domain: DomainFacts, policy: DkimPolicy, signal?: AbortSignal): Promise<Array<{ name: string; settings: RspamdSettings; rspamd: RspamdHost }>> {
    const hosts = [];
    for (const { name, settings } of this.signingHosts(domain, policy)) {
      const container = await placeRspamd(this.inventory.getHost(name), settings, this.exec, this.options.containers ?? null, signal);
      hosts.push({ name, settings, rspamd: new RspamdHost(name, this.exec.onHost(name), settings, { settleMs: this.options.settleMs ?? 20_000, container }) });
    }
    return hosts;
  }

  private resolverFor(domain: DomainFacts): ResolverClient {
    if (!domain.resolver) {
      throw new CopperError(
        'DNS_RESOLVER_MISSING',
        `Site ${domain.site} has no DNS resolver set, so the DKIM record of ${domain.name} cannot be verified (the console never asks the system’s or a public resolver). Set it: copper site edit ${domain.site} --resolver IP[:PORT]`,
        { site: domain.site, domain: domain.name },
      );
    }
    return new ResolverClient(parseResolverAddress(domain.resolver), this.options.resolver ?? {});
  }

  private async checkRecord(client: ResolverClient, domain: DomainFacts, key: KeyRow, signal?: AbortSignal): Promise<DkimRecordStatus> {
    const name = recordName(key.selector, domain.name);
    const lookup = await client.lookup(name, 'TXT', signal);
    const item = compareRecord({ kind: 'dkim', name, type: 'TXT', values: [key.record_text], label: `DKIM selector ${key.selector}` }, lookup.records);
    const found = lookup.records.map(presentRecord).slice(0, 64);
    return { selector: key.selector, state: key.state, name, status: item.status, found, message: item.message };
  }

  private requireKey(domain: DomainFacts, selector: string): KeyRow {
    const key = this.store.keys(domain.id).find((k) => k.selector === selector);
    if (!key) throw new CopperError('INTERNAL', `The DKIM key ${selector} of ${domain.name} was not recorded.`);
    return key;
  }

  private validateHosts(domain: DomainFacts, hosts: readonly string[]): void {
    for (const name of hosts) {
      const host = this.inventory.listHosts({ site: domain.site }).find((h) => h.name === name);
      if (!host) throw new CopperError('INVALID_INPUT', `${name} cannot sign for ${domain.name}: it is not a host of site ${domain.site}.`, { host: name });
    }
  }

  private async checkpoint(point: DkimCheckpoint): Promise<void> {
    await this.options.checkpoint?.(point);
  }

  /** The site and host a DKIM operation concerns, for the audit record. */
  scopeOfDomain(domainName: string): { site: string | null; host: string | null } {
    return { site: this.inventory.domainRow(domainName)?.site_name ?? null, host: null };
  }

  private hostId(name: string): { id: number; name: string } {
    const row = this.inventory.hostRow(name);
    if (!row) throw notFound('host', name);
    return { id: row.id, name: row.name };
  }

  private domain(name: string): DomainFacts {
    const row = this.inventory.domainRow(name);
    if (!row) throw notFound('domain', name);
    const site = this.inventory.getSite(row.site_name);
    return { id: row.id, name: row.name, site: site.name, resolver: site.resolver };
  }

  private now(): string {
    return this.clock.now().toISOString();
  }
}

function stepName(next: NextStep): DkimRotatePlan['step'] {
  return next.step === 'activate' || next.step === 'retire' ? (next.resuming ? 'resume' : next.step) : next.step;
}

/** The step's error, saying that the servers were put back (or that they could not be, which needs the operator). */
function withRollback(error: unknown, rolledBack: boolean, what: string): CopperError {
  const cause = error instanceof CopperError ? error : new CopperError('INTERNAL', error instanceof Error ? error.message : String(error));
  const after = rolledBack
    ? 'The previous signing configuration was written back and Rspamd signs as before; the rotation state is unchanged.'
    : 'Putting the previous signing configuration back did not succeed either: check Rspamd on the host (or in its container, in docker mode), then run rotate again (it resumes from the unchanged state).';
  const details = typeof cause.details === 'object' && cause.details !== null ? { ...cause.details, rolledBack } : { rolledBack };
  return new CopperError(cause.code, `${what}. ${cause.message} ${after}`, details);
}
