import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import {
  CopperError,
  MAX_PAGE,
  QUEUE_NAMES,
  QueueSortField,
  type QueueActionResult,
  type QueueFilter,
  type QueueListItem,
  type QueueName,
  type QueueSelection,
  type QueueSummary,
} from '../../../shared/contract';
import { formatDuration, parseDuration } from '../../../shared/duration';
import type { CliAction } from '../program';
import { printJson, printTable, safeText } from '../output';
import { runCommand, type CliContext } from '../cli-context';
import { readStdin } from '../prompt';

interface FilterFlags {
  queue?: string[];
  from?: string;
  to?: string;
  domain?: string;
  reason?: string;
  olderThan?: string;
  youngerThan?: string;
  minSize?: string;
  maxSize?: string;
}

const collect = (value: string, previous: string[] = []) => [...previous, value];

function addFilterFlags(command: Command): Command {
  return command
    .option('--queue <queue>', `only this queue (${QUEUE_NAMES.join(', ')}); repeatable`, collect)
    .option('--from <pattern>', 'sender matching (text, or a wildcard pattern with * and ?)')
    .option('--to <pattern>', 'a recipient matching (text, or a wildcard pattern)')
    .option('--domain <domain>', 'the sender or a recipient in this domain (or below it)')
    .option('--reason <text>', 'deferral reason containing this text')
    .option('--older-than <duration>', 'queued longer than this (e.g. 30m, 2h, 1d)')
    .option('--younger-than <duration>', 'queued for less than this')
    .option('--min-size <bytes>', 'at least this many bytes')
    .option('--max-size <bytes>', 'at most this many bytes');
}

function duration(flag: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const parsed = parseDuration(text);
  if (!parsed.ok) throw new CopperError('INVALID_INPUT', `${flag} takes a duration such as 30m, 2h or 1d, not "${text}": ${parsed.message}`);
  return parsed.value;
}

function bytes(flag: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  if (!/^\d+$/.test(text)) throw new CopperError('INVALID_INPUT', `${flag} takes a number of bytes, not "${text}".`);
  return Number(text);
}

function filterFrom(flags: FilterFlags): QueueFilter {
  const queues = flags.queue?.map((q) => {
    if (!(QUEUE_NAMES as readonly string[]).includes(q)) throw new CopperError('INVALID_INPUT', `--queue takes one of ${QUEUE_NAMES.join(', ')}, not "${q}".`);
    return q as QueueName;
  });
  const filter: QueueFilter = {
    queues,
    sender: flags.from,
    recipient: flags.to,
    domain: flags.domain,
    reason: flags.reason,
    olderThanSeconds: duration('--older-than', flags.olderThan),
    youngerThanSeconds: duration('--younger-than', flags.youngerThan),
    minSize: bytes('--min-size', flags.minSize),
    maxSize: bytes('--max-size', flags.maxSize),
  };
  return Object.fromEntries(Object.entries(filter).filter(([, v]) => v !== undefined)) as QueueFilter;
}

const kib = (n: number) => (n >= 1024 * 1024 ? `${(n / 1024 / 1024).toFixed(1)} MiB` : `${(n / 1024).toFixed(1)} KiB`);
const ageOf = (iso: string) => formatDuration((Date.now() - Date.parse(iso)) / 1000);

function printSummary(summary: QueueSummary): void {
  const out = (label: string, value: string) => process.stdout.write(`${label.padEnd(13)}${safeText(value)}\n`);
  out('Host', summary.host ?? 'the fleet');
  out('As of', summary.asOf);
  out('Messages', `${summary.messages.toLocaleString('en')} (${summary.recipients.toLocaleString('en')} recipients, ${kib(summary.bytes)})`);
  out('Queues', summary.queues.filter((q) => q.messages > 0).map((q) => `${q.queue} ${q.messages.toLocaleString('en')}`).join(', ') || 'all empty');
  out('Oldest', summary.oldestArrivalTime ? `${summary.oldestArrivalTime} (${ageOf(summary.oldestArrivalTime)} ago)` : '-');
  out('Growth', summary.growthPerMinute === null ? 'unknown (needs a read a minute ago)' : `${summary.growthPerMinute} messages/min`);
  for (const alert of summary.alerts) process.stdout.write(`! ${safeText(alert.message)}\n`);
  if (summary.reasons.length) {
    process.stdout.write('\nDeferral causes\n');
    printTable(summary.reasons.map((r) => ({ recipients: r.recipients, messages: r.messages, category: r.category, cause: r.cause })), ['recipients', 'messages', 'category', 'cause']);
  }
  if (summary.recipientDomains.rows.length) {
    process.stdout.write('\nRecipient domains by age (minutes), as qshape\n');
    const heads = ['domain', 'total', '5', '10', '20', '40', '80', '160', '320', '640', '1280', '1280+'];
    const row = (domain: string, total: number, buckets: number[]) => Object.fromEntries([['domain', domain], ['total', total], ...buckets.map((n, i) => [heads[i + 2] ?? '', n])]);
    printTable(
      [...summary.recipientDomains.rows.map((r) => row(r.domain, r.total, r.buckets)), ...(summary.recipientDomains.others.total ? [row(`(${summary.recipientDomains.others.domains} more)`, summary.recipientDomains.others.total, summary.recipientDomains.others.buckets)] : [])],
      heads,
    );
  }
  if (summary.topSenders.length) {
    process.stdout.write('\nTop senders\n');
    printTable(summary.topSenders.map((s) => ({ sender: s.sender || '<>', messages: s.messages, size: kib(s.bytes) })), ['sender', 'messages', 'size']);
  }
  for (const excerpt of summary.unreadable) process.stdout.write(`? unreadable record: ${safeText(excerpt)}\n`);
}

const LIST_HEADING = `${'ID'.padEnd(14)}${'QUEUE'.padEnd(10)}${'AGE'.padEnd(9)}${'SIZE'.padStart(9)}  SENDER → RECIPIENTS (REASON)\n`;

/**
 * Writes each part of the listing as the core hands it over while the queue is still being read: nothing is held, so
 * memory stays flat at any queue size, and writing overlaps the server's listing. The opening is written only with
 * the first part, so a failure before it prints an error and nothing else; a failure after it leaves the JSON array
 * unclosed (and the exit code non-zero), so no script can take a partial listing for the whole queue.
 */
async function exportList(ctx: CliContext, host: string, filter: QueueFilter, limit: number): Promise<void> {
  let written = 0;
  const stop = new AbortController();
  const take = (items: QueueListItem[]) => {
    if (written >= limit) return;
    const kept = items.length > limit - written ? items.slice(0, limit - written) : items;
    // Synchronous for files and, on Linux, pipes: the SSH stream is not read faster than stdout takes the text.
    process.stdout.write(`${written === 0 ? (ctx.json ? '[' : LIST_HEADING) : ''}${ctx.json ? jsonLines(kept, written === 0) : humanLines(kept)}`);
    written += kept.length;
    if (written >= limit) stop.abort(); // enough: stop reading the queue
  };
  try {
    await ctx.client.task('queue.export', { host, filter }, { onPart: (part) => take(part.items), signal: stop.signal });
  } catch (error) {
    if (!(stop.signal.aborted && written >= limit)) throw error;
  }
  if (written === 0 && !ctx.json) await write(LIST_HEADING);
  if (ctx.json) await write(written === 0 ? '[]\n' : '\n]\n');
}

/** Pages through the sorted listing and writes each page as it comes, so even 100,000 messages never sit in one string. */
async function streamList(ctx: CliContext, host: string, filter: QueueFilter, sort: { field: string; direction: 'asc' | 'desc' }, limit: number): Promise<void> {
  const field = QueueSortField.parse(sort.field);
  let offset = 0;
  let first = true;
  while (offset < limit) {
    const page = await ctx.client.query('queue.list', {
      host,
      filter,
      sort: { field, direction: sort.direction },
      offset,
      limit: Math.min(MAX_PAGE, limit - offset),
      fresh: offset === 0,
    });
    // The opening is written only once the first page arrived, so a failure prints an error and nothing else.
    if (offset === 0) await write(ctx.json ? '[' : LIST_HEADING);
    await write(ctx.json ? jsonLines(page.items, first) : humanLines(page.items));
    first = first && page.items.length === 0;
    offset += page.items.length;
    if (page.items.length === 0 || offset >= page.matched) break;
  }
  if (ctx.json) await write(first ? ']\n' : '\n]\n');
}

function jsonLines(items: QueueListItem[], first: boolean): string {
  // Exactly the documented fields, in order: scripts rely on them. Written field by field, because building a copy of
  // each message only to stringify it was a third of `list --json`'s time after the read.
  const text = JSON.stringify;
  let out = '';
  for (let i = 0; i < items.length; i++) {
    const m = items[i] as QueueListItem;
    let recipients = '';
    for (let r = 0; r < m.recipients.length; r++) {
      const { address, reason } = m.recipients[r] as QueueListItem['recipients'][number];
      recipients += `${r === 0 ? '' : ','}{"address":${text(address)},"reason":${reason === null ? 'null' : text(reason)}}`;
    }
    out += `${first && i === 0 ? '\n' : ',\n'}{"id":${text(m.id)},"queue":${text(m.queue)},"arrivalTime":${text(m.arrivalTime)},"size":${m.size},"sender":${text(m.sender)},"recipients":[${recipients}]}`;
  }
  return out;
}

function humanLines(items: QueueListItem[]): string {
  return items
    .map((m) => {
      const reason = m.recipients.find((r) => r.reason)?.reason;
      const recipients = m.recipients.map((r) => r.address).join(', ');
      const text = safeText(`${m.sender || '<>'} → ${recipients}${reason ? ` (${reason})` : ''}`);
      return `${m.id.padEnd(14)}${m.queue.padEnd(10)}${ageOf(m.arrivalTime).padEnd(9)}${String(m.size).padStart(9)}  ${text}\n`;
    })
    .join('');
}

/** Waits for stdout to drain: piping 30 MB into a slow reader must not pile up in memory. */
function write(text: string): Promise<void> {
  return new Promise((resolve) => (process.stdout.write(text) ? resolve() : process.stdout.once('drain', resolve)));
}

async function selectionFrom(opts: FilterFlags & { id?: string[]; idsFrom?: string; all?: boolean }): Promise<QueueSelection> {
  const ids = [...(opts.id ?? [])];
  if (opts.idsFrom !== undefined) {
    const text = opts.idsFrom === '-' ? await readStdin() : readFileSync(opts.idsFrom, 'utf8');
    ids.push(...text.split(/\s+/).filter(Boolean));
  }
  const filter = filterFrom(opts);
  const hasFilter = Object.keys(filter).length > 0;
  if (ids.length && hasFilter) throw new CopperError('INVALID_INPUT', 'Give either queue IDs (--id, --ids-from) or filter flags, not both.');
  if (ids.length) return { by: 'ids', ids };
  if (hasFilter || opts.all) return { by: 'filter', filter };
  throw new CopperError('INVALID_INPUT', 'Say which messages: --id ID (repeatable), --ids-from FILE, filter flags such as --from or --reason, or --all.');
}

function describeResult(output: unknown): string {
  const result = output as QueueActionResult;
  const lines = [`${result.action}: requested ${result.requested}, affected ${result.affected}${result.postsuperReport ? ` (postsuper: ${result.postsuperReport})` : ''}.`];
  if (result.notAffected.length) lines.push(`Not affected (gone meanwhile or refused): ${result.notAffected.slice(0, 20).join(' ')}${result.notAffected.length > 20 ? ' …' : ''}`);
  return lines.join('\n');
}

export function registerQueue(program: Command, action: CliAction): void {
  const queue = program.command('queue').description('Postfix mail queues: read, explain, find and act on messages');

  queue
    .command('summary <host>')
    .description('Read the queue now: counts, oldest message, deferral causes, qshape-style domains × age, top senders, alerts')
    .action(
      action(async (ctx, host: string) => {
        const summary = await ctx.client.task('queue.summary', { host });
        if (ctx.json) printJson(summary);
        else printSummary(summary);
      }),
    );

  addFilterFlags(queue.command('list <host>').description('List queued messages (read now), filtered, in the order postqueue lists them or sorted'))
    .option('--sort <field>', `order by ${QueueSortField.options.filter((f) => f !== 'host').join(', ')} (default: as postqueue lists them, written while the queue is read)`)
    .option('--desc', 'descending order')
    .option('--limit <n>', 'at most this many messages', (v) => Number.parseInt(v, 10))
    .action(
      action(async (ctx, host: string, opts: FilterFlags & { sort?: string; desc?: boolean; limit?: number }) => {
        if (opts.limit !== undefined && !(Number.isSafeInteger(opts.limit) && opts.limit > 0)) throw new CopperError('INVALID_INPUT', '--limit takes a positive whole number.');
        const limit = opts.limit ?? Number.MAX_SAFE_INTEGER;
        if (opts.sort === undefined && !opts.desc) await exportList(ctx, host, filterFrom(opts), limit);
        else await streamList(ctx, host, filterFrom(opts), { field: opts.sort ?? 'arrivalTime', direction: opts.desc ? 'desc' : 'asc' }, limit);
      }),
    );

  queue
    .command('show <host> <id>')
    .description('One message (postcat): envelope, headers and the start of the body, as text')
    .action(
      action(async (ctx, host: string, id: string) => {
        const message = await ctx.client.query('queue.show', { host, id });
        if (ctx.json) return printJson(message);
        process.stdout.write(`Message ${message.id} on ${message.host}${message.queueFile ? ` (${safeText(message.queueFile)})` : ''}\n\nEnvelope\n`);
        for (const e of message.envelope) process.stdout.write(`  ${safeText(e.name)}: ${safeText(e.value)}\n`);
        process.stdout.write('\nHeaders\n');
        for (const h of message.headers) process.stdout.write(`  ${safeText(h.name)}: ${safeText(h.value).replace(/\n/g, '\n    ')}\n`);
        process.stdout.write(`\nBody${message.bodyTruncated ? ' (first part only)' : ''}\n${safeText(message.bodyPreview)}\n`);
      }),
    );

  const actions = [
    ['hold', 'queue.hold', 'Put messages on hold: kept, but not delivered until released'],
    ['release', 'queue.release', 'Release held messages'],
    ['requeue', 'queue.requeue', 'Requeue messages (they get new queue IDs)'],
    ['delete', 'queue.delete', 'Delete messages for good (no delivery, no bounce)'],
  ] as const;
  for (const [verb, op, description] of actions) {
    addFilterFlags(queue.command(`${verb} <host>`).description(description))
      .option('--id <id>', 'a queue ID (repeatable)', collect)
      .option('--ids-from <file>', 'queue IDs, one per line or separated by spaces, from a file (- for standard input)')
      .option('--all', 'every message in the queue')
      .option('--dry-run', 'show the plan only')
      .option('-y, --yes', 'do not ask for confirmation')
      .action(
        action(async (ctx, host: string, opts: FilterFlags & { id?: string[]; idsFrom?: string; all?: boolean; dryRun?: boolean; yes?: boolean }) => {
          const select = await selectionFrom(opts);
          await runCommand(ctx, op, { host, select }, { yes: opts.yes, dryRun: opts.dryRun, alwaysConfirm: true, describe: describeResult });
        }),
      );
  }

  queue
    .command('flush <host>')
    .description('Retry every deferred message now (postqueue -f)')
    .option('--dry-run', 'show the plan only')
    .option('-y, --yes', 'do not ask for confirmation')
    .action(
      action(async (ctx, host: string, opts: { dryRun?: boolean; yes?: boolean }) => {
        await runCommand(ctx, 'queue.flush', { host }, {
          yes: opts.yes,
          dryRun: opts.dryRun,
          alwaysConfirm: true,
          describe: (o) => {
            const out = o as { requested: number; stillQueued: number };
            return `Asked Postfix to retry ${out.requested} deferred messages; ${out.stillQueued} are still queued.`;
          },
        });
      }),
    );

  queue
    .command('fleet')
    .description('Read the queues of every host (or one site) and summarise them')
    .option('--site <site>', 'only hosts of this site')
    .action(
      action(async (ctx, opts: { site?: string }) => {
        const result = await ctx.client.task('queue.fleet', { ...(opts.site ? { site: opts.site } : {}), concurrency: 4 });
        if (ctx.json) return printJson(result);
        printTable(
          result.hosts.map((h) => ({
            host: h.host,
            site: h.site,
            messages: h.summary?.messages ?? '',
            deferred: h.summary?.queues.find((q) => q.queue === 'deferred')?.messages ?? '',
            hold: h.summary?.queues.find((q) => q.queue === 'hold')?.messages ?? '',
            alerts: h.summary?.alerts.length ?? '',
            problem: h.error ? `${h.error.code}: ${h.error.message}` : '',
          })),
          ['host', 'site', 'messages', 'deferred', 'hold', 'alerts', 'problem'],
        );
        process.stdout.write('\n');
        printSummary(result.fleet);
        if (result.hosts.some((h) => h.error)) process.exitCode = 1;
      }),
    );

  queue
    .command('thresholds <host>')
    .description('Show or change the queue alert thresholds of a host')
    .option('--total-size <bytes>', 'alert when all queues hold this many bytes')
    .option('--deferred <n>', 'alert at this many deferred messages')
    .option('--growth <n>', 'alert when the queue grows by this many messages a minute')
    .option('--oldest <duration>', 'alert when the oldest message is this old (e.g. 1d)')
    .option('--defaults', 'restore the default thresholds')
    .option('-y, --yes', 'do not ask for confirmation')
    .action(
      action(async (ctx, host: string, opts: { totalSize?: string; deferred?: string; growth?: string; oldest?: string; defaults?: boolean; yes?: boolean }) => {
        const current = await ctx.client.query('queue.thresholds', { host });
        const changing = opts.totalSize ?? opts.deferred ?? opts.growth ?? opts.oldest;
        if (!changing && !opts.defaults) {
          if (ctx.json) return printJson(current);
          const t = current.thresholds;
          process.stdout.write(`${current.isDefault ? 'Default thresholds' : 'Thresholds'} of ${host}: total size ${kib(t.totalBytes)}, ${t.deferredMessages} deferred, growth ${t.growthPerMinute}/min, oldest ${formatDuration(t.oldestAgeSeconds)}\n`);
          return;
        }
        const thresholds = opts.defaults
          ? null
          : {
              totalBytes: bytes('--total-size', opts.totalSize) ?? current.thresholds.totalBytes,
              deferredMessages: bytes('--deferred', opts.deferred) ?? current.thresholds.deferredMessages,
              growthPerMinute: bytes('--growth', opts.growth) ?? current.thresholds.growthPerMinute,
              oldestAgeSeconds: duration('--oldest', opts.oldest) ?? current.thresholds.oldestAgeSeconds,
            };
        await runCommand(ctx, 'queue.setThresholds', { host, thresholds }, { yes: opts.yes, describe: () => `Thresholds of ${host} saved.` });
      }),
    );
}
