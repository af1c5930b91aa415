import { AGE_BUCKETS_MINUTES, QueueFilter, type QueueName } from '../../../shared/contract';
import { formatDuration, parseDuration, type Parsed } from '../../../shared/duration';

/** The filter bar as typed: strings, so a half-typed "2" is kept until the operator applies it. */
export interface FilterForm {
  queues: QueueName[];
  sender: string;
  recipient: string;
  domain: string;
  reason: string;
  olderThan: string;
  youngerThan: string;
  minSize: string;
  maxSize: string;
}

export type FilterErrors = Partial<Record<keyof FilterForm, string>>;

export const emptyFilterForm: FilterForm = {
  queues: [],
  sender: '',
  recipient: '',
  domain: '',
  reason: '',
  olderThan: '',
  youngerThan: '',
  minSize: '',
  maxSize: '',
};

export const SIZE_HINT = 'Write a size such as 500, 20K, 1.5M or 2G (K = 1024 bytes, as df -h counts).';

const SIZE_UNITS: Record<string, number> = { '': 1, b: 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 };

/** "500", "20k", "20 KiB", "1.5M", "2GB" → bytes. Binary multiples, like every size the console shows. */
export function parseSize(text: string): Parsed<number> {
  const found = /^(\d+(?:\.\d+)?)\s*([kmg]?)(?:i?b)?$/i.exec(text.trim());
  if (!found) return { ok: false, message: SIZE_HINT };
  const unit = SIZE_UNITS[(found[2] ?? '').toLowerCase()] ?? 1;
  const bytes = Math.round(Number(found[1]) * unit);
  if (!Number.isSafeInteger(bytes)) return { ok: false, message: SIZE_HINT };
  return { ok: true, value: bytes };
}

/** Bytes back into the form's words: 20480 → "20K", 1536 → "1.5K", 1000 → "1000". */
export function formatSizeInput(bytes: number): string {
  for (const [unit, size] of [
    ['G', 1024 ** 3],
    ['M', 1024 ** 2],
    ['K', 1024],
  ] as const) {
    if (bytes >= size && (bytes * 10) % size === 0) return `${(bytes / size).toString()}${unit}`;
  }
  return String(bytes);
}

const PATTERN_MAX = 256;

/**
 * The form as the contract's filter, or what is wrong, field by field. Checks what the core would refuse and also
 * what it would accept but match nothing (older than 2h and younger than 1h), which an operator would take for
 * "the queue is empty".
 */
export function formToFilter(form: FilterForm): { ok: true; filter: QueueFilter } | { ok: false; errors: FilterErrors } {
  const errors: FilterErrors = {};
  const filter: QueueFilter = {};
  if (form.queues.length > 0) filter.queues = [...form.queues];

  for (const field of ['sender', 'recipient', 'domain', 'reason'] as const) {
    const value = form[field].trim();
    if (value === '') continue;
    if (value.length > PATTERN_MAX) errors[field] = `Keep this under ${PATTERN_MAX} characters.`;
    else filter[field] = value;
  }

  const duration = (field: 'olderThan' | 'youngerThan') => {
    if (form[field].trim() === '') return undefined;
    const parsed = parseDuration(form[field]);
    if (!parsed.ok) errors[field] = parsed.message;
    return parsed.ok ? parsed.value : undefined;
  };
  const olderThan = duration('olderThan');
  const youngerThan = duration('youngerThan');
  if (olderThan !== undefined) filter.olderThanSeconds = olderThan;
  if (youngerThan !== undefined) filter.youngerThanSeconds = youngerThan;
  if (olderThan !== undefined && youngerThan !== undefined && youngerThan <= olderThan) {
    errors.youngerThan = 'No message is older than the first age and younger than this one: make this the larger age.';
  }

  const size = (field: 'minSize' | 'maxSize') => {
    if (form[field].trim() === '') return undefined;
    const parsed = parseSize(form[field]);
    if (!parsed.ok) errors[field] = parsed.message;
    return parsed.ok ? parsed.value : undefined;
  };
  const minSize = size('minSize');
  const maxSize = size('maxSize');
  if (minSize !== undefined) filter.minSize = minSize;
  if (maxSize !== undefined) filter.maxSize = maxSize;
  if (minSize !== undefined && maxSize !== undefined && maxSize < minSize) {
    errors.maxSize = 'The largest size is below the smallest: nothing would match.';
  }

  if (Object.keys(errors).length > 0) return { ok: false, errors };
  // The contract has the last word; a refusal here is a bug in the checks above, shown rather than sent.
  const checked = QueueFilter.safeParse(filter);
  if (!checked.success) return { ok: false, errors: { reason: checked.error.issues[0]?.message ?? 'This filter is not valid.' } };
  return { ok: true, filter: checked.data };
}

/** A filter (from a heatmap click, say) back into the form's fields. */
export function filterToForm(filter: QueueFilter): FilterForm {
  return {
    queues: filter.queues ?? [],
    sender: filter.sender ?? '',
    recipient: filter.recipient ?? '',
    domain: filter.domain ?? '',
    reason: filter.reason ?? '',
    olderThan: filter.olderThanSeconds !== undefined ? formatDuration(filter.olderThanSeconds) : '',
    youngerThan: filter.youngerThanSeconds !== undefined ? formatDuration(filter.youngerThanSeconds) : '',
    minSize: filter.minSize !== undefined ? formatSizeInput(filter.minSize) : '',
    maxSize: filter.maxSize !== undefined ? formatSizeInput(filter.maxSize) : '',
  };
}

export const isEmptyFilter = (filter: QueueFilter) => Object.keys(filter).length === 0;

/** Column labels of the age buckets, as qshape heads them: "≤5m" … "≤1280m", then ">1280m". */
export const AGE_BUCKET_LABELS: readonly string[] = [
  ...AGE_BUCKETS_MINUTES.map((minutes) => `≤${minutes}m`),
  `>${AGE_BUCKETS_MINUTES[AGE_BUCKETS_MINUTES.length - 1] ?? 0}m`,
];

/** The age range of bucket `index` as a filter: above the previous bound, up to its own (the last has no upper bound). */
export function ageBucketFilter(index: number): Pick<QueueFilter, 'olderThanSeconds' | 'youngerThanSeconds'> {
  const lower = index > 0 ? AGE_BUCKETS_MINUTES[index - 1] : undefined;
  const upper = AGE_BUCKETS_MINUTES[index];
  return {
    ...(lower !== undefined ? { olderThanSeconds: lower * 60 } : {}),
    ...(upper !== undefined ? { youngerThanSeconds: upper * 60 } : {}),
  };
}

/** "aged 5–10 min", "aged up to 5 min", "older than 1280 min": the words of a heatmap cell. */
export function ageBucketWords(index: number): string {
  const lower = index > 0 ? AGE_BUCKETS_MINUTES[index - 1] : undefined;
  const upper = AGE_BUCKETS_MINUTES[index];
  if (upper === undefined) return `older than ${lower ?? 0} min`;
  if (lower === undefined) return `aged up to ${upper} min`;
  return `aged ${lower}–${upper} min`;
}
