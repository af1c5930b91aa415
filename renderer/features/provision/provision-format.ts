import {
  CopperError,
  PROVISION_LABELS,
  type Container,
  type OutsideCheck,
  type Progress,
  type ProvisionPlan,
  type ProvisionRun,
  type ServiceAction,
} from '../../../shared/contract';

/** What apply does to a service, in the operator's words, and the colour of its badge (terraform's +, -/+, ~ and =). */
export const ACTION_LOOK: Record<ServiceAction, { label: string; color: string; hint: string }> = {
  create: { label: 'create', color: 'teal', hint: 'no container yet: a new one is created' },
  replace: { label: 'replace', color: 'orange', hint: 'a new container takes over; the old one is kept until the new one passes its checks' },
  start: { label: 'start', color: 'blue', hint: 'configured as wanted but not running or not healthy: started and waited for' },
  keep: { label: 'keep', color: 'gray', hint: 'runs as wanted: left alone' },
};

export type Health = Container['health'];

export const HEALTH_LOOK: Record<Health, { label: string; color: string }> = {
  healthy: { label: 'healthy', color: 'teal' },
  unhealthy: { label: 'unhealthy', color: 'red' },
  starting: { label: 'starting', color: 'orange' },
  none: { label: 'no health check', color: 'gray' },
};

export const RUN_OUTCOME_LOOK: Record<ProvisionRun['outcome'], { label: string; color: string }> = {
  running: { label: 'running or interrupted', color: 'blue' },
  applied: { label: 'applied', color: 'teal' },
  unchanged: { label: 'unchanged', color: 'gray' },
  'rolled-back': { label: 'rolled back', color: 'orange' },
  failed: { label: 'failed', color: 'red' },
};

export const CHECK_LABEL: Record<OutsideCheck['kind'], string> = {
  smtp: 'SMTP banner',
  imap: 'IMAP greeting',
  'ldap-bind': 'LDAP bind',
  tcp: 'TCP connection',
};

/** The bundle (stack) version the console provisioned a container from; a dash for containers it did not create. */
export function bundleVersionOf(container: Pick<Container, 'labels'>): string {
  return container.labels[PROVISION_LABELS.version]?.trim() || '—';
}

/**
 * An image as a table cell shows it: a container created from an image ID (as provisioning does, so a re-tag cannot
 * swap what runs) lists as the whole sha256 digest; the cell shows its start, and the whole one goes in a tooltip.
 */
export function imageLabel(image: string): string {
  return /^sha256:[0-9a-f]{64}$/.test(image) ? `${image.slice(0, 19)}…` : image;
}

/** "2 to create, 1 to replace, 1 kept": the plan in one line, as terraform's "Plan: 2 to add, 1 to change". */
export function planCounts(services: Pick<ProvisionPlan['services'][number], 'action'>[]): string {
  if (services.length === 0) return 'No services';
  const count = (action: ServiceAction) => services.filter((s) => s.action === action).length;
  const parts = [
    count('create') && `${count('create')} to create`,
    count('replace') && `${count('replace')} to replace`,
    count('start') && `${count('start')} to start`,
    count('keep') && `${count('keep')} kept`,
  ].filter((part): part is string => Boolean(part));
  return parts.join(', ');
}

/** Whether Apply can go ahead: images missing on the host block it, and there must be something to do. */
export function applyBlocker(plan: Pick<ProvisionPlan, 'missingImages' | 'unchanged' | 'leftovers'>): string | null {
  if (plan.missingImages.length > 0) {
    const n = plan.missingImages.length;
    return `${n} image${n === 1 ? '' : 's'} of the bundle ${n === 1 ? 'is' : 'are'} not on the host: push the bundle to the host first, then plan again.`;
  }
  if (plan.unchanged && plan.leftovers.length === 0) return 'Everything already runs as the bundle asks: nothing to apply.';
  return null;
}

/** "smtp 127.0.0.1:3025" for a check, and its outcome as the operator reads it. */
export const checkTarget = (check: Pick<OutsideCheck, 'kind' | 'address' | 'port'>) =>
  `${CHECK_LABEL[check.kind]} ${check.address.includes(':') ? `[${check.address}]` : check.address}:${check.port}`;

/** "850 ms", "12.4 s", "2 min 5 s". */
export function durationText(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '—';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const seconds = Math.round(ms / 1000);
  return `${Math.floor(seconds / 60)} min ${seconds % 60} s`;
}

/** The percentage of a progress report, or null when the task does not know its total (show a spinner then). */
export function progressPercent(progress: Pick<Progress, 'done' | 'total'> | null): number | null {
  if (!progress?.total || progress.total <= 0) return null;
  return Math.max(0, Math.min(100, Math.round((progress.done / progress.total) * 100)));
}

/** "1.5 MiB": the size of bundles and images. */
export function sizeText(bytes: number): string {
  if (!Number.isFinite(bytes) || bytes < 0) return '—';
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  if (bytes < 1024 ** 3) return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
  return `${(bytes / 1024 ** 3).toFixed(2)} GiB`;
}

/** A key ID short enough for a line of text; the whole one goes in a tooltip. */
export const shortKeyId = (keyId: string) => (keyId.length > 20 ? `${keyId.slice(0, 19)}…` : keyId);

/** What a failed apply that was rolled back says, read defensively: its details come from the core as plain JSON. */
export interface RollbackReport {
  message: string;
  failedService: string | null;
  reason: string | null;
  /** The containers started again; empty when nothing ran before the apply; null when the core did not say. */
  restored: string[] | null;
  steps: string[];
}

const text = (value: unknown): string | null => (typeof value === 'string' && value.trim() !== '' ? value : null);

/** The step list of a rollback, whatever shape each step has: text, or an object with `text`/`message`. */
function stepTexts(value: unknown): string[] {
  if (!Array.isArray(value)) return [];
  return value.flatMap((step: unknown): string[] => {
    if (typeof step === 'string') return [step];
    const record = (step ?? {}) as { text?: unknown; message?: unknown; at?: unknown };
    const line = text(record.text) ?? text(record.message);
    if (!line) return [];
    return [text(record.at) ? `${String(record.at)} ${line}` : line];
  });
}

/** What the rollback brought back, in a sentence. */
export function restoredText(restored: string[] | null): string {
  if (restored === null) return 'The previous containers run again.';
  if (restored.length === 0) return 'Nothing of the stack ran before this apply, so there was nothing to bring back.';
  return `The previous containers run again: ${restored.join(', ')}.`;
}

/** The rollback an apply reported (PROVISION_ROLLED_BACK), or null for any other outcome. */
export function rollbackReport(error: unknown): RollbackReport | null {
  if (!(error instanceof CopperError) || error.code !== 'PROVISION_ROLLED_BACK') return null;
  const details = (error.details ?? {}) as Record<string, unknown>;
  return {
    message: error.message,
    failedService: text(details.failedService) ?? text(details.service),
    reason: text(details.reason),
    restored: Array.isArray(details.restored) ? details.restored.filter((r): r is string => typeof r === 'string') : null,
    steps: stepTexts(details.steps),
  };
}

/** How the operator goes on from an apply error that is not a rollback: the fix, in a sentence, where the code says it. */
export function applyErrorHint(error: unknown): string | null {
  if (!(error instanceof CopperError)) return null;
  switch (error.code) {
    case 'PROVISION_IMAGES_MISSING':
      return 'Push the bundle to the host (above), then plan and apply again.';
    case 'PROVISION_NO_BUNDLE':
      return 'No bundle was pushed to this host yet: verify a bundle and push it to the host first.';
    case 'PROVISION_ROLLBACK_FAILED':
      return 'The previous containers could not all be brought back. Look at the status below and the containers on the host page, then apply again to converge.';
    case 'UNKNOWN_OPERATION':
      return 'This console does not provision yet: update the console.';
    default:
      return null;
  }
}
