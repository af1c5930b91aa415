import { z } from 'zod';
import { command, planShape, query, task } from './define';
import { HostName, SiteName, Timestamp } from './common';

/** Postfix's queues as `postqueue -j` names them. */
export const QueueName = z.enum(['maildrop', 'incoming', 'active', 'deferred', 'hold', 'corrupt']);
export type QueueName = z.infer<typeof QueueName>;
export const QUEUE_NAMES = QueueName.options;

/**
 * A Postfix queue ID, short (hex) or long form. Only letters and digits: IDs are fed to `postsuper -` one per line,
 * and this rule is what guarantees a line can never carry anything but one ID.
 */
export const QueueId = z.string().regex(/^[0-9A-Za-z]{5,32}$/, 'A queue ID is 5–32 letters and digits, as postqueue prints it.');
export type QueueId = z.infer<typeof QueueId>;

export const QueueRecipient = z.object({
  address: z.string(),
  /** Why delivery to this recipient was deferred, as Postfix recorded it; null when there is none yet. */
  reason: z.string().nullable(),
});
export type QueueRecipient = z.infer<typeof QueueRecipient>;

/** One queued message, exactly the fields `copper queue list --json` prints. Server text: render it as text only. */
export const QueueMessage = z.object({
  id: QueueId,
  queue: QueueName,
  arrivalTime: Timestamp,
  size: z.number().int().nonnegative(),
  /** The envelope sender; empty for bounces (the null sender `<>`). */
  sender: z.string(),
  recipients: z.array(QueueRecipient),
});
export type QueueMessage = z.infer<typeof QueueMessage>;

/** A message in a listing: which host's queue it is in, for fleet-wide lists. */
export const QueueListItem = QueueMessage.extend({ host: HostName });
export type QueueListItem = z.infer<typeof QueueListItem>;

const Pattern = z.string().trim().min(1).max(256);

/**
 * Which messages: every condition given must hold. Address patterns are case-insensitive; with `*` or `?` they are
 * wildcards over the whole address, otherwise they match any part of it.
 */
export const QueueFilter = z
  .object({
    queues: z.array(QueueName).min(1).optional(),
    sender: Pattern.optional(),
    /** Matches when any recipient matches. */
    recipient: Pattern.optional(),
    /** The sender's or any recipient's domain is this domain or one below it. */
    domain: Pattern.optional(),
    /** Text in any recipient's deferral reason (case-insensitive). */
    reason: Pattern.optional(),
    olderThanSeconds: z.number().int().nonnegative().optional(),
    youngerThanSeconds: z.number().int().nonnegative().optional(),
    minSize: z.number().int().nonnegative().optional(),
    maxSize: z.number().int().nonnegative().optional(),
  })
  .strict();
export type QueueFilter = z.infer<typeof QueueFilter>;

export const MAX_SELECTED_IDS = 100_000;

/** What a queue action applies to: the operator's selected IDs, or every message a filter matches. */
export const QueueSelection = z.discriminatedUnion('by', [
  z.object({ by: z.literal('ids'), ids: z.array(QueueId).min(1).max(MAX_SELECTED_IDS) }),
  z.object({ by: z.literal('filter'), filter: QueueFilter }),
]);
export type QueueSelection = z.infer<typeof QueueSelection>;

export const QueueSortField = z.enum(['arrivalTime', 'size', 'sender', 'recipient', 'queue', 'id', 'host']);
export const QueueSort = z.object({
  field: QueueSortField.default('arrivalTime'),
  direction: z.enum(['asc', 'desc']).default('asc'),
});
export type QueueSort = z.infer<typeof QueueSort>;

/** Upper bounds of the age buckets in minutes, as qshape prints them; a last bucket holds everything older. */
export const AGE_BUCKETS_MINUTES = [5, 10, 20, 40, 80, 160, 320, 640, 1280] as const;

/** A qshape-style matrix: one row per domain, one count per age bucket (AGE_BUCKETS_MINUTES, then "older"). */
export const QueueShape = z.object({
  /** Recipient rows count recipients (as qshape does); sender rows count messages. */
  counting: z.enum(['recipients', 'messages']),
  rows: z.array(z.object({ domain: z.string(), total: z.number().int(), buckets: z.array(z.number().int()) })),
  /** Everything outside the top rows, summed. */
  others: z.object({ domains: z.number().int(), total: z.number().int(), buckets: z.array(z.number().int()) }),
});
export type QueueShape = z.infer<typeof QueueShape>;

export const DeferralCause = z.object({
  /** The reason with addresses, IDs and numbers generalised, e.g. "connect to [ip]:port: Connection refused". */
  cause: z.string(),
  /** A broad class for colour and advice. */
  category: z.enum(['connection', 'dns', 'mailbox', 'policy', 'tls', 'timeout', 'resources', 'other']),
  recipients: z.number().int(),
  messages: z.number().int(),
  /** One verbatim reason of this kind. */
  example: z.string(),
});
export type DeferralCause = z.infer<typeof DeferralCause>;

export const QueueThresholds = z.object({
  /** Total bytes in all queues. */
  totalBytes: z.number().int().positive(),
  deferredMessages: z.number().int().positive(),
  /** Growth of the whole queue in messages per minute, between two reads at least a minute apart. */
  growthPerMinute: z.number().int().positive(),
  oldestAgeSeconds: z.number().int().positive(),
});
export type QueueThresholds = z.infer<typeof QueueThresholds>;

/** Sensible for a small organisation's mail server: a healthy queue is nearly empty and nothing waits a day. */
export const DEFAULT_QUEUE_THRESHOLDS: QueueThresholds = {
  totalBytes: 512 * 1024 * 1024,
  deferredMessages: 500,
  growthPerMinute: 100,
  oldestAgeSeconds: 24 * 3600,
};

export const QueueAlert = z.object({
  kind: z.enum(['totalBytes', 'deferredMessages', 'growthPerMinute', 'oldestAgeSeconds']),
  value: z.number(),
  threshold: z.number(),
  message: z.string(),
});
export type QueueAlert = z.infer<typeof QueueAlert>;

export const QueueCount = z.object({ queue: QueueName, messages: z.number().int(), bytes: z.number().int() });

export const QueueSummary = z.object({
  /** The host, or null for a fleet-wide summary. */
  host: HostName.nullable(),
  asOf: Timestamp,
  messages: z.number().int(),
  recipients: z.number().int(),
  bytes: z.number().int(),
  /** Every queue, zeros included, in Postfix's order. */
  queues: z.array(QueueCount),
  oldestArrivalTime: Timestamp.nullable(),
  recipientDomains: QueueShape,
  senderDomains: QueueShape,
  reasons: z.array(DeferralCause),
  topSenders: z.array(z.object({ sender: z.string(), messages: z.number().int(), bytes: z.number().int() })),
  /** Messages per minute since the previous read at least a minute earlier; null when there is none. */
  growthPerMinute: z.number().nullable(),
  alerts: z.array(QueueAlert),
  /** Records in the listing the console could not read, kept verbatim (bounded) for the operator. */
  unreadable: z.array(z.string()),
});
export type QueueSummary = z.infer<typeof QueueSummary>;

export const queueSummary = task({
  name: 'queue.summary',
  summary: 'Read a host’s queues now and explain them: counts, age × domain shape, deferral causes, top senders, alerts',
  input: z.object({ host: HostName }),
  output: QueueSummary,
});

export const HostQueueState = z.object({
  host: HostName,
  site: SiteName,
  summary: QueueSummary.nullable(),
  error: z.object({ code: z.string(), message: z.string() }).nullable(),
});
export type HostQueueState = z.infer<typeof HostQueueState>;

export const queueFleet = task({
  name: 'queue.fleet',
  summary: 'Read the queues of every host (or one site’s) in parallel: each host’s summary and the fleet’s together',
  input: z.object({ site: SiteName.optional(), concurrency: z.number().int().min(1).max(32).default(4) }),
  output: z.object({ asOf: Timestamp, hosts: z.array(HostQueueState), fleet: QueueSummary }),
});

export const queueLast = query({
  name: 'queue.last',
  summary: 'The last queue summary of every host, for badges, without contacting any',
  input: z.object({}).strict(),
  output: z.array(HostQueueState),
});

export const MAX_PAGE = 5_000;

/** Messages per part of queue.export: enough to keep the overhead per part small, few enough to stay light. */
export const EXPORT_PART = 1_000;

export const queueExport = task({
  name: 'queue.export',
  summary: 'Read a host’s queue now and hand over every message the filter matches, in parts, as postqueue lists them',
  input: z.object({ host: HostName, filter: QueueFilter.default({}) }),
  part: z.object({ items: z.array(QueueListItem).max(EXPORT_PART) }),
  output: z.object({
    asOf: Timestamp,
    /** Messages in the listing before filtering. */
    total: z.number().int(),
    /** Messages the filter matched: every one of them was handed over. */
    matched: z.number().int(),
    /** Records postqueue printed that were not readable as messages (excerpts, at most 20). */
    unreadable: z.array(z.string()).max(20),
  }),
});

export const queueList = query({
  name: 'queue.list',
  summary: 'Find messages: filter, sort and page through a host’s queue (or every host read by queue.fleet)',
  input: z.object({
    /** Omitted: every host of the last fleet read. */
    host: HostName.optional(),
    filter: QueueFilter.default({}),
    sort: QueueSort.default({ field: 'arrivalTime', direction: 'asc' }),
    offset: z.number().int().nonnegative().default(0),
    limit: z.number().int().min(1).max(MAX_PAGE).default(100),
    /** true: read the queue now. false: page through the last read (reading only if there is none). */
    fresh: z.boolean().default(false),
  }),
  output: z.object({
    asOf: Timestamp,
    /** Messages in the listing before filtering. */
    total: z.number().int(),
    /** Messages the filter matches. */
    matched: z.number().int(),
    offset: z.number().int(),
    items: z.array(QueueListItem),
  }),
});

export const QueueHeader = z.object({ name: z.string(), value: z.string() });

export const queueShow = query({
  name: 'queue.show',
  summary: 'One message from `postcat -q`: envelope, headers and a bounded body preview, as text',
  input: z.object({ host: HostName, id: QueueId }),
  output: z.object({
    host: HostName,
    id: QueueId,
    /** The queue file, e.g. "deferred/4Bx…" as postcat names it. */
    queueFile: z.string().nullable(),
    envelope: z.array(z.object({ name: z.string(), value: z.string() })),
    headers: z.array(QueueHeader),
    bodyPreview: z.string(),
    bodyTruncated: z.boolean(),
  }),
});

export const QueueActionPlan = z.object({
  ...planShape,
  /** Messages the selection matches now. */
  matched: z.number().int(),
  /** The first messages (by ID), to show the operator what the selection means. */
  sample: z.array(QueueMessage).max(20),
  /** SHA-256 of the matched IDs: binds the confirmation to exactly these messages. */
  idsDigest: z.string(),
  /** Requested IDs not in the queue (ID selections only). */
  missing: z.number().int(),
});
export type QueueActionPlan = z.infer<typeof QueueActionPlan>;

export const QueueActionResult = z.object({
  action: z.enum(['hold', 'release', 'requeue', 'delete']),
  /** Messages confirmed in the plan. */
  requested: z.number().int(),
  /** Messages the re-read queue shows the action took effect on. */
  affected: z.number().int(),
  /** What postsuper itself reported, e.g. "Placed on hold: 12 messages". */
  postsuperReport: z.string(),
  /** Confirmed IDs the action did not take effect on (gone meanwhile, or refused), at most 1000. */
  notAffected: z.array(QueueId).max(1000),
  asOf: Timestamp,
});
export type QueueActionResult = z.infer<typeof QueueActionResult>;

const actionInput = z.object({ host: HostName, select: QueueSelection });

export const queueHold = command({
  name: 'queue.hold',
  summary: 'Put messages on hold: Postfix keeps them but stops trying to deliver them',
  input: actionInput,
  plan: QueueActionPlan,
  output: QueueActionResult,
});

export const queueRelease = command({
  name: 'queue.release',
  summary: 'Release held messages back into the deferred queue',
  input: actionInput,
  plan: QueueActionPlan,
  output: QueueActionResult,
});

export const queueRequeue = command({
  name: 'queue.requeue',
  summary: 'Requeue messages so Postfix processes them afresh (new queue IDs, current settings)',
  input: actionInput,
  plan: QueueActionPlan,
  output: QueueActionResult,
});

export const queueDelete = command({
  name: 'queue.delete',
  summary: 'Delete messages from the queue for good: they are never delivered and no bounce is sent',
  input: actionInput,
  plan: QueueActionPlan,
  output: QueueActionResult,
});

export const queueFlush = command({
  name: 'queue.flush',
  summary: 'Ask Postfix to retry every deferred message now (postqueue -f)',
  input: z.object({ host: HostName }),
  plan: z.object({ ...planShape, deferred: z.number().int() }),
  output: z.object({ requested: z.number().int(), stillQueued: z.number().int(), asOf: Timestamp }),
});

export const queueThresholds = query({
  name: 'queue.thresholds',
  summary: 'A host’s queue alert thresholds (the defaults unless changed)',
  input: z.object({ host: HostName }),
  output: z.object({ thresholds: QueueThresholds, isDefault: z.boolean() }),
});

export const queueSetThresholds = command({
  name: 'queue.setThresholds',
  summary: 'Change a host’s queue alert thresholds (null restores the defaults)',
  input: z.object({ host: HostName, thresholds: QueueThresholds.nullable() }),
  plan: z.object(planShape),
  output: z.object({ thresholds: QueueThresholds, isDefault: z.boolean() }),
});
