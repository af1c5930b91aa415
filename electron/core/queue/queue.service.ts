import { createHash } from 'node:crypto';
import {
  CopperError,
  DEFAULT_QUEUE_THRESHOLDS,
  EXPORT_PART,
  QueueSummary,
  QueueThresholds,
  type HostQueueState,
  type Progress,
  type QueueActionPlan,
  type QueueActionResult,
  type QueueFilter,
  type QueueListItem,
  type QueueMessage,
  type QueueSelection,
  type QueueSort,
} from '../../../shared/contract';
import type { Clock } from '../app/clock';
import type { Db } from '../db/database';
import type { InventoryService } from '../inventory/inventory.service';
import { plan as basicPlan } from '../inventory/inventory.service';
import { toCopperError } from '../router/router';
import type { ExecTarget } from '../exec/exec-target';
import type { PostfixLocator } from './postfix-target';
import { readQueue } from './queue-reader';
import { compileFilter, comparator, isEmptyFilter } from './queue-filter';
import { QueueSummariser, summarise, type QueueFacts } from './queue-summary';
import { queueAlerts } from './queue-alerts';
import { parsePostcat, type PostcatMessage } from './postcat-parser';
import { ACTION_QUEUES, POSTSUPER_FLAG, parsePostsuperOutput, type QueueAction } from './postsuper';

/** One read of a host's queue, kept so the UI can page, sort and filter it without reading the server again. */
interface Snapshot {
  host: string;
  asOf: string;
  messages: QueueListItem[];
  unreadable: string[];
}

/** Growth is measured against a read at least this much older; samples older than the window are dropped. */
const GROWTH_MIN_INTERVAL_MS = 60_000;
const SAMPLE_WINDOW_MS = 24 * 3600_000;
const SAMPLE_SIZE = 20;
const MAX_NOT_AFFECTED_LISTED = 1000;
/** After `postqueue -f`, how long to let Postfix work before re-reading the queue for the report. */
const FLUSH_SETTLE_MS = 2_000;

const ACTION_WORDS: Record<QueueAction, { verb: string; change: 'update' | 'delete' }> = {
  hold: { verb: 'Hold', change: 'update' },
  release: { verb: 'Release', change: 'update' },
  requeue: { verb: 'Requeue', change: 'update' },
  delete: { verb: 'Delete', change: 'delete' },
};

const numbers = new Intl.NumberFormat('en');
const plural = (n: number, word: string) => `${numbers.format(n)} ${word}${n === 1 ? '' : 's'}`;
const withoutHost = ({ host: _host, ...message }: QueueListItem): QueueMessage => message;

/** Reading, explaining, finding and acting on Postfix queues, on one host or across the fleet. */
export interface QueueServiceOptions {
  /**
   * Whether a summary keeps the messages it read, so the page's list that follows needs no second read. The CLI
   * exits after one command: not keeping 100,000 messages spares it the memory and the garbage collector's time.
   */
  keepSummarySnapshots: boolean;
}

export class QueueService {
  private readonly snapshots = new Map<string, Snapshot>();
  /** Hosts of the last fleet read, for fleet-wide lists. */
  private fleetHosts: string[] | null = null;
  /** The last filtered and sorted view, so paging through 100,000 rows does not sort them again for every page. */
  private view: { key: string; items: QueueListItem[] } | null = null;
  /**
   * The IDs a plan matched, by the very input object the router passes to plan and then to execute: execute acts on
   * exactly what the confirmed plan named, never on messages that arrived after it.
   */
  private readonly planned = new WeakMap<object, string[]>();

  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly inventory: InventoryService,
    private readonly locator: PostfixLocator,
    private readonly options: QueueServiceOptions = { keepSummarySnapshots: true },
  ) {}

  // ── Reading ────────────────────────────────────────────────────────────────

  /** Reads the host's queue now and keeps it as the host's snapshot. */
  async read(hostName: string, signal?: AbortSignal, progress?: (p: Progress) => void, summariser?: QueueSummariser, keep = true): Promise<Snapshot> {
    const host = this.inventory.getHost(hostName).name;
    const postfix = await this.locator.reader(host, signal);
    const messages: QueueListItem[] = [];
    const unreadable: string[] = [];
    const asOf = this.clock.now().toISOString();
    progress?.({ step: 'read', done: 0, total: null, message: `Reading the queue of ${host}` });
    await readQueue(host, postfix, {
      signal,
      onMessage: (message) => {
        if (keep) messages.push(message);
        summariser?.add(message);
      },
      onUnreadable: (excerpt) => {
        if (unreadable.length < 1000) unreadable.push(excerpt);
        summariser?.addUnreadable(excerpt);
      },
      onProgress: (done) => progress?.({ step: 'read', done, total: null, message: `Read ${plural(done, 'message')} from ${host}` }),
    });
    const snapshot: Snapshot = { host, asOf, messages, unreadable };
    if (keep) {
      this.snapshots.set(host, snapshot);
      this.view = null;
    }
    return snapshot;
  }

  /** `keep`: whether the messages read stay as the host's snapshot (a fleet read always keeps them, to list across hosts). */
  async summary(hostName: string, signal?: AbortSignal, progress?: (p: Progress) => void, keep = this.options.keepSummarySnapshots): Promise<QueueSummary> {
    const now = this.clock.now();
    const summariser = new QueueSummariser(now);
    const snapshot = await this.read(hostName, signal, progress, summariser, keep);
    return this.complete(snapshot.host, snapshot.asOf, summariser.facts(), now);
  }

  /** Adds growth and alerts to the facts, and remembers the result for badges and the next growth figure. */
  private complete(host: string, asOf: string, facts: QueueFacts, now: Date): QueueSummary {
    const row = this.inventory.hostRow(host);
    const growthPerMinute = row ? this.growth(row.id, facts.messages, now) : null;
    const summary = QueueSummary.parse({
      host,
      asOf,
      ...facts,
      growthPerMinute,
      alerts: queueAlerts(facts, this.thresholds(host).thresholds, growthPerMinute, now),
    });
    if (row) {
      this.db.transaction(() => {
        this.db.prepare('INSERT INTO queue_samples (host_id, taken_at, messages) VALUES (?, ?, ?)').run(row.id, asOf, facts.messages);
        this.db.prepare('DELETE FROM queue_samples WHERE host_id = ? AND taken_at < ?').run(row.id, new Date(now.getTime() - SAMPLE_WINDOW_MS).toISOString());
        this.db
          .prepare('INSERT INTO queue_last (host_id, as_of, summary) VALUES (?, ?, ?) ON CONFLICT(host_id) DO UPDATE SET as_of = excluded.as_of, summary = excluded.summary')
          .run(row.id, asOf, JSON.stringify(summary));
      })();
    }
    return summary;
  }

  private growth(hostId: number, messages: number, now: Date): number | null {
    const previous = this.db
      .prepare('SELECT taken_at, messages FROM queue_samples WHERE host_id = ? AND taken_at <= ? ORDER BY taken_at DESC LIMIT 1')
      .get(hostId, new Date(now.getTime() - GROWTH_MIN_INTERVAL_MS).toISOString()) as { taken_at: string; messages: number } | undefined;
    if (!previous) return null;
    const minutes = (now.getTime() - Date.parse(previous.taken_at)) / 60_000;
    return Math.round(((messages - previous.messages) / minutes) * 10) / 10;
  }

  async fleet(
    options: { site?: string | undefined; concurrency: number },
    signal?: AbortSignal,
    progress?: (p: Progress) => void,
  ): Promise<{ asOf: string; hosts: HostQueueState[]; fleet: QueueSummary }> {
    const hosts = this.inventory.listHosts(options.site ? { site: options.site } : {});
    const states: HostQueueState[] = new Array(hosts.length);
    let next = 0;
    let done = 0;
    progress?.({ step: 'read', done: 0, total: hosts.length, message: `Reading the queues of ${plural(hosts.length, 'host')}` });
    const worker = async () => {
      while (next < hosts.length) {
        if (signal?.aborted) throw new CopperError('CANCELLED', 'Reading the fleet’s queues was cancelled.');
        const index = next++;
        const host = hosts[index];
        if (!host) continue;
        let state: HostQueueState;
        try {
          state = { host: host.name, site: host.site, summary: await this.summary(host.name, signal, undefined, true), error: null };
        } catch (error) {
          const problem = toCopperError(error, signal);
          if (problem.code === 'CANCELLED') throw problem;
          this.snapshots.delete(host.name);
          state = { host: host.name, site: host.site, summary: null, error: { code: problem.code, message: problem.message } };
        }
        states[index] = state;
        done++;
        progress?.({ step: 'read', done, total: hosts.length, message: `Read ${host.name} (${done} of ${hosts.length})` });
      }
    };
    await Promise.all(Array.from({ length: Math.min(options.concurrency, hosts.length) }, worker));
    const read = states.filter((s) => s.summary !== null).map((s) => s.host);
    this.fleetHosts = read;
    this.view = null;
    const now = this.clock.now();
    const snapshots = read.map((host) => this.snapshots.get(host)).filter((s): s is Snapshot => s !== undefined);
    const facts = summarise(
      (function* () {
        for (const snapshot of snapshots) yield* snapshot.messages;
      })(),
      now,
      snapshots.flatMap((s) => s.unreadable.map((u) => `${s.host}: ${u}`)),
    );
    const growths = states.map((s) => s.summary?.growthPerMinute).filter((g): g is number => typeof g === 'number');
    const asOf = now.toISOString();
    const fleet = QueueSummary.parse({
      host: null,
      asOf,
      ...facts,
      growthPerMinute: growths.length ? growths.reduce((a, b) => a + b, 0) : null,
      alerts: states.flatMap((s) => (s.summary?.alerts ?? []).map((alert) => ({ ...alert, message: `${s.host}: ${alert.message}` }))),
    });
    return { asOf, hosts: states, fleet };
  }

  /** The last summary of every host, from the database: no server is contacted. */
  last(): HostQueueState[] {
    const rows = this.db
      .prepare(
        `SELECT h.name AS host, s.name AS site, q.summary AS summary FROM hosts h JOIN sites s ON s.id = h.site_id
         LEFT JOIN queue_last q ON q.host_id = h.id ORDER BY h.name COLLATE NOCASE`,
      )
      .all() as Array<{ host: string; site: string; summary: string | null }>;
    return rows.map((row) => ({
      host: row.host,
      site: row.site,
      summary: row.summary === null ? null : (JSON.parse(row.summary) as QueueSummary),
      error: null,
    }));
  }

  // ── Finding ────────────────────────────────────────────────────────────────

  async list(
    input: { host?: string | undefined; filter: QueueFilter; sort: QueueSort; offset: number; limit: number; fresh: boolean },
    signal?: AbortSignal,
  ): Promise<{ asOf: string; total: number; matched: number; offset: number; items: QueueListItem[] }> {
    const snapshots = await this.snapshotsFor(input.host, input.fresh, signal);
    const key = JSON.stringify([snapshots.map((s) => [s.host, s.asOf]), input.filter, input.sort]);
    if (this.view?.key !== key) {
      const matches = compileFilter(input.filter, this.clock.now());
      const all = snapshots.flatMap((s) => s.messages);
      const items = isEmptyFilter(input.filter) ? all : all.filter(matches);
      items.sort(comparator(input.sort));
      this.view = { key, items };
    }
    const asOf = snapshots.map((s) => s.asOf).sort()[0] ?? this.clock.now().toISOString();
    return {
      asOf,
      total: snapshots.reduce((sum, s) => sum + s.messages.length, 0),
      matched: this.view.items.length,
      offset: input.offset,
      items: this.view.items.slice(input.offset, input.offset + input.limit),
    };
  }

  /**
   * Reads the host's queue now and hands every matching message to `part` in batches as it streams in, keeping none:
   * memory stays flat however large the queue, and the caller writes while the server is still listing.
   */
  async export(
    input: { host: string; filter: QueueFilter },
    part: (items: QueueListItem[]) => void,
    signal?: AbortSignal,
    progress?: (p: Progress) => void,
  ): Promise<{ asOf: string; total: number; matched: number; unreadable: string[] }> {
    const host = this.inventory.getHost(input.host).name;
    const postfix = await this.locator.reader(host, signal);
    const asOf = this.clock.now().toISOString();
    const matches = isEmptyFilter(input.filter) ? null : compileFilter(input.filter, this.clock.now());
    const unreadable: string[] = [];
    let batch: QueueListItem[] = [];
    let matched = 0;
    progress?.({ step: 'read', done: 0, total: null, message: `Reading the queue of ${host}` });
    const { recordsRead } = await readQueue(host, postfix, {
      signal,
      onMessage: (message) => {
        if (matches && !matches(message)) return;
        matched++;
        batch.push(message);
        if (batch.length === EXPORT_PART) {
          part(batch);
          batch = [];
        }
      },
      onUnreadable: (excerpt) => {
        if (unreadable.length < 20) unreadable.push(excerpt);
      },
      onProgress: (done) => progress?.({ step: 'read', done, total: null, message: `Read ${plural(done, 'message')} from ${host}` }),
    });
    if (batch.length) part(batch);
    return { asOf, total: recordsRead, matched, unreadable };
  }

  private async snapshotsFor(host: string | undefined, fresh: boolean, signal?: AbortSignal): Promise<Snapshot[]> {
    if (host === undefined) {
      if (!this.fleetHosts) {
        throw new CopperError('NOT_FOUND', 'The fleet’s queues have not been read yet. Read them first (queue.fleet), then list.');
      }
      if (fresh) await Promise.all(this.fleetHosts.map((h) => this.read(h, signal)));
      return this.fleetHosts.map((h) => this.snapshots.get(h)).filter((s): s is Snapshot => s !== undefined);
    }
    const name = this.inventory.getHost(host).name;
    const kept = this.snapshots.get(name);
    return [fresh || !kept ? await this.read(name, signal) : kept];
  }

  async show(hostName: string, id: string, signal?: AbortSignal): Promise<PostcatMessage & { host: string; id: string }> {
    const host = this.inventory.getHost(hostName).name;
    const { target, program } = await this.locator.locate(host, signal);
    const result = await target.run({ argv: [program('postcat'), '-q', id], asRoot: true, timeoutMs: 30_000, maxOutputBytes: 1024 * 1024, ...(signal ? { signal } : {}) });
    if (result.exitCode !== 0 && !result.truncated) {
      if (/No such file|not found|no such/i.test(result.stderr)) {
        throw new CopperError('NOT_FOUND', `Message ${id} is no longer in the queue of ${host}: it was delivered, bounced or removed. Refresh the list.`, { host, id });
      }
      throw new CopperError('COMMAND_FAILED', `postcat failed on ${target.description} (exit ${result.exitCode ?? '?'}): ${result.stderr.trim().slice(0, 500)}`);
    }
    return { host, id, ...parsePostcat(result.stdout, result.truncated) };
  }

  // ── Acting ─────────────────────────────────────────────────────────────────

  /**
   * Reads the queue now and says which messages the action would change. Messages the action cannot change (holding a
   * held message) are left out, with a warning, so "requested" always means messages that will change.
   */
  async planAction(action: QueueAction, input: { host: string; select: QueueSelection }, signal?: AbortSignal): Promise<QueueActionPlan> {
    const snapshot = await this.read(input.host, signal);
    const host = snapshot.host;
    const selected = this.select(snapshot, input.select);
    const allowed = ACTION_QUEUES[action];
    const matched = allowed ? selected.found.filter((m) => allowed.includes(m.queue)) : selected.found;
    const skipped = selected.found.length - matched.length;
    matched.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    const ids = matched.map((m) => m.id);
    this.planned.set(input, ids);

    const words = ACTION_WORDS[action];
    const warnings: string[] = [];
    if (selected.missing > 0) {
      warnings.push(`${plural(selected.missing, 'selected message')} ${selected.missing === 1 ? 'is' : 'are'} no longer in the queue (delivered or removed meanwhile) and ${selected.missing === 1 ? 'is' : 'are'} left out.`);
    }
    if (skipped > 0) {
      warnings.push(
        action === 'hold'
          ? `${plural(skipped, 'message')} ${skipped === 1 ? 'is' : 'are'} already on hold and stay${skipped === 1 ? 's' : ''} as ${skipped === 1 ? 'it is' : 'they are'}.`
          : `${plural(skipped, 'message')} ${skipped === 1 ? 'is' : 'are'} not on hold and stay${skipped === 1 ? 's' : ''} as ${skipped === 1 ? 'it is' : 'they are'}.`,
      );
    }
    if (ids.length === 0) warnings.push('Nothing matches, so nothing will change.');
    if (action === 'delete' && ids.length > 0) warnings.push('Deleted messages are gone for good: they are not delivered and no bounce is sent to the sender.');
    if (action === 'requeue' && ids.length > 0) warnings.push('Requeued messages get new queue IDs.');
    const selection = input.select.by === 'ids' ? `${plural(input.select.ids.length, 'selected ID')}` : describeFilter(input.select.filter);
    return {
      ...basicPlan(
        `${words.verb} ${plural(ids.length, 'message')} on ${host}`,
        ids.length ? [{ action: words.change, target: `${plural(ids.length, 'message')} in the queue of ${host}`, detail: selection }] : [],
        warnings,
        action === 'delete' && ids.length > 0,
      ),
      matched: ids.length,
      sample: matched.slice(0, SAMPLE_SIZE).map(withoutHost),
      idsDigest: createHash('sha256').update(ids.join('\n')).digest('hex'),
      missing: selected.missing,
    };
  }

  /** The IDs the confirmed plan named, for the audit record. */
  confirmedIds(input: object): string[] {
    return this.planned.get(input) ?? [];
  }

  async executeAction(action: QueueAction, input: { host: string; select: QueueSelection }, signal?: AbortSignal): Promise<QueueActionResult> {
    const host = this.inventory.getHost(input.host).name;
    const ids = this.planned.get(input);
    if (!ids) throw new CopperError('NOT_CONFIRMED', `The ${action} on ${host} has no confirmed plan. Plan it, then confirm.`);
    if (ids.length === 0) return { action, requested: 0, affected: 0, postsuperReport: '', notAffected: [], asOf: this.clock.now().toISOString() };

    const { target, program } = await this.locator.locate(host, signal);
    // IDs travel on standard input, one per line (QueueId allows only letters and digits): never in a command line.
    const result = await target.run({
      argv: [program('postsuper'), POSTSUPER_FLAG[action], '-'],
      stdin: `${ids.join('\n')}\n`,
      asRoot: true,
      timeoutMs: Math.max(120_000, ids.length * 5),
      maxOutputBytes: 32 * 1024 * 1024,
      ...(signal ? { signal } : {}),
    });
    const report = parsePostsuperOutput(result.stderr);
    if (result.exitCode !== 0) {
      const said = result.stderr.trim().split('\n').slice(-2).join(' ').slice(0, 500);
      throw new CopperError('COMMAND_FAILED', `postsuper failed on ${target.description} (exit ${result.exitCode ?? '?'}): ${said}. ${report.ids.size} messages were reported changed before it stopped.`, {
        changed: report.ids.size,
      });
    }
    const after = await this.read(host, signal);
    const queueOf = new Map(after.messages.map((m) => [m.id, m.queue]));
    const tookEffect = (id: string): boolean => {
      if (!report.ids.has(id)) return false;
      const queue = queueOf.get(id);
      if (action === 'hold') return queue === 'hold';
      if (action === 'release') return queue !== undefined && queue !== 'hold';
      if (action === 'delete') return queue === undefined;
      // A requeued message is picked up again under a new ID; postsuper's word is the evidence.
      return true;
    };
    const affected = ids.filter(tookEffect);
    const notAffected = ids.filter((id) => !tookEffect(id));
    return {
      action,
      requested: ids.length,
      affected: affected.length,
      postsuperReport: report.totals.join('; '),
      notAffected: notAffected.slice(0, MAX_NOT_AFFECTED_LISTED),
      asOf: after.asOf,
    };
  }

  private select(snapshot: Snapshot, select: QueueSelection): { found: QueueListItem[]; missing: number } {
    if (select.by === 'filter') {
      const matches = compileFilter(select.filter, this.clock.now());
      return { found: snapshot.messages.filter(matches), missing: 0 };
    }
    const wanted = new Set(select.ids);
    const found = snapshot.messages.filter((m) => wanted.has(m.id));
    // A message can show twice while it moves between queues mid-listing; count it once.
    const unique = [...new Map(found.map((m) => [m.id, m])).values()];
    return { found: unique, missing: wanted.size - unique.length };
  }

  async planFlush(hostName: string, signal?: AbortSignal) {
    const snapshot = await this.read(hostName, signal);
    const deferred = snapshot.messages.filter((m) => m.queue === 'deferred').length;
    const warnings = deferred > 10_000 ? [`Retrying ${plural(deferred, 'message')} at once loads this server and the servers it delivers to.`] : [];
    if (deferred === 0) warnings.push('No message is deferred: a flush would have nothing to retry.');
    return {
      ...basicPlan(
        `Retry ${plural(deferred, 'deferred message')} on ${snapshot.host} now`,
        deferred ? [{ action: 'update' as const, target: `the deferred queue of ${snapshot.host}`, detail: 'postqueue -f: every deferred message is retried now' }] : [],
        warnings,
      ),
      deferred,
    };
  }

  async flush(hostName: string, signal?: AbortSignal): Promise<{ requested: number; stillQueued: number; asOf: string }> {
    const host = this.inventory.getHost(hostName).name;
    const before = this.snapshots.get(host);
    const requested = before ? before.messages.filter((m) => m.queue === 'deferred').length : 0;
    const { target, program } = await this.locator.locate(host, signal);
    const result = await target.run({ argv: [program('postqueue'), '-f'], timeoutMs: 60_000, ...(signal ? { signal } : {}) });
    if (result.exitCode !== 0) throw flushFailure(target, result.exitCode, result.stderr);
    await new Promise((resolve) => setTimeout(resolve, FLUSH_SETTLE_MS));
    const after = await this.read(host, signal);
    return { requested, stillQueued: after.messages.length, asOf: after.asOf };
  }

  // ── Thresholds ─────────────────────────────────────────────────────────────

  thresholds(hostName: string): { thresholds: QueueThresholds; isDefault: boolean } {
    const row = this.inventory.hostRow(hostName);
    if (!row) throw new CopperError('NOT_FOUND', `There is no host named ${hostName}.`);
    const stored = this.db.prepare('SELECT thresholds FROM queue_thresholds WHERE host_id = ?').get(row.id) as { thresholds: string } | undefined;
    if (!stored) return { thresholds: DEFAULT_QUEUE_THRESHOLDS, isDefault: true };
    const parsed = QueueThresholds.safeParse(JSON.parse(stored.thresholds));
    return parsed.success ? { thresholds: parsed.data, isDefault: false } : { thresholds: DEFAULT_QUEUE_THRESHOLDS, isDefault: true };
  }

  planSetThresholds(hostName: string, next: QueueThresholds | null) {
    const current = this.thresholds(hostName).thresholds;
    const wanted = next ?? DEFAULT_QUEUE_THRESHOLDS;
    const changes = (Object.keys(wanted) as Array<keyof QueueThresholds>)
      .filter((key) => wanted[key] !== current[key])
      .map((key) => ({ action: 'update' as const, target: `${key} of ${hostName}`, detail: `${current[key]} → ${wanted[key]}` }));
    return basicPlan(
      next === null ? `Restore the default queue alert thresholds of ${hostName}` : `Change the queue alert thresholds of ${hostName}`,
      changes,
      changes.length ? [] : ['The thresholds are already these: nothing changes.'],
    );
  }

  setThresholds(hostName: string, next: QueueThresholds | null): { thresholds: QueueThresholds; isDefault: boolean } {
    const row = this.inventory.hostRow(hostName);
    if (!row) throw new CopperError('NOT_FOUND', `There is no host named ${hostName}.`);
    if (next === null) this.db.prepare('DELETE FROM queue_thresholds WHERE host_id = ?').run(row.id);
    else
      this.db
        .prepare('INSERT INTO queue_thresholds (host_id, thresholds) VALUES (?, ?) ON CONFLICT(host_id) DO UPDATE SET thresholds = excluded.thresholds')
        .run(row.id, JSON.stringify(next));
    return this.thresholds(hostName);
  }
}

function flushFailure(target: ExecTarget, exitCode: number | null, stderr: string): CopperError {
  const said = stderr.trim().slice(0, 500);
  if (/mail system is down|unavailable/i.test(said)) {
    return new CopperError('POSTFIX_UNAVAILABLE', `Postfix is not running on ${target.description}, so nothing can be retried (${said}). Start Postfix first.`);
  }
  return new CopperError('COMMAND_FAILED', `postqueue -f failed on ${target.description} (exit ${exitCode ?? '?'}): ${said}`);
}

/** A filter in words, for plans and the audit trail. */
export function describeFilter(filter: QueueFilter): string {
  const parts: string[] = [];
  if (filter.queues) parts.push(`queue ${filter.queues.join(' or ')}`);
  if (filter.sender !== undefined) parts.push(`sender matching "${filter.sender}"`);
  if (filter.recipient !== undefined) parts.push(`a recipient matching "${filter.recipient}"`);
  if (filter.domain !== undefined) parts.push(`domain ${filter.domain}`);
  if (filter.reason !== undefined) parts.push(`reason containing "${filter.reason}"`);
  if (filter.olderThanSeconds !== undefined) parts.push(`older than ${filter.olderThanSeconds} s`);
  if (filter.youngerThanSeconds !== undefined) parts.push(`younger than ${filter.youngerThanSeconds} s`);
  if (filter.minSize !== undefined) parts.push(`at least ${filter.minSize} bytes`);
  if (filter.maxSize !== undefined) parts.push(`at most ${filter.maxSize} bytes`);
  return parts.length ? `every message with ${parts.join(', ')}` : 'every message in the queue';
}
