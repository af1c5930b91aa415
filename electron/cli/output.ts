import type { BasicPlan, ErrorEnvelope } from '../../shared/contract';

/** Terminal output. Server- and operator-provided text is printed with control characters made visible, never interpreted. */
export function safeText(value: string): string {
  // eslint-disable-next-line no-control-regex
  return value.replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

export function printTable(rows: Array<Record<string, string | number | null | undefined>>, columns: string[]): void {
  if (!rows.length) {
    process.stdout.write('(none)\n');
    return;
  }
  const cells = rows.map((row) => columns.map((c) => safeText(String(row[c] ?? '')).replace(/\n/g, ' ')));
  const widths = columns.map((c, i) => Math.max(c.length, ...cells.map((r) => (r[i] ?? '').length)));
  const line = (values: string[]) => values.map((v, i) => v.padEnd(widths[i] ?? 0)).join('  ').trimEnd();
  process.stdout.write(`${line(columns.map((c) => c.toUpperCase()))}\n`);
  for (const row of cells) process.stdout.write(`${line(row)}\n`);
}

const actionMark: Record<string, string> = { create: '+', update: '~', delete: '-', keep: '=' };

export function printPlan(plan: BasicPlan): void {
  process.stdout.write(`Plan: ${safeText(plan.summary)}\n`);
  for (const change of plan.changes) {
    const detail = change.detail ? `  (${safeText(change.detail)})` : '';
    process.stdout.write(`  ${actionMark[change.action] ?? '?'} ${change.action} ${safeText(change.target)}${detail}\n`);
  }
  for (const warning of plan.warnings) process.stdout.write(`  ! ${safeText(warning)}\n`);
}

export function printError(error: ErrorEnvelope, json: boolean): void {
  if (json) {
    process.stdout.write(`${JSON.stringify({ error }, null, 2)}\n`);
    return;
  }
  process.stderr.write(`copper: ${safeText(error.message)}\n`);
  const problems = (error.details as { problems?: unknown } | undefined)?.problems;
  if (Array.isArray(problems) && problems.length > 1) {
    for (const problem of problems.slice(0, 50)) {
      const text = typeof problem === 'string' ? problem : `${String((problem as { path?: unknown }).path ?? '')}: ${String((problem as { message?: unknown }).message ?? '')}`;
      process.stderr.write(`  - ${safeText(text)}\n`);
    }
  }
}

/** Exit codes: 0 ok, 1 failed, 2 usage (bad input, refused confirmation), 3 trust or verification failure. */
export function exitCodeFor(code: string): number {
  if (code === 'INVALID_INPUT' || code === 'NOT_CONFIRMED' || code === 'IMPORT_INVALID' || code === 'UNKNOWN_OPERATION') return 2;
  if (code.startsWith('HOST_KEY_') || code === 'AUDIT_CHAIN_BROKEN' || code === 'VAULT_CORRUPT' || code === 'VAULT_PASSPHRASE_WRONG' || code === 'DKIM_RECORD_NOT_VERIFIED') return 3;
  // A certificate that failed validation, or failed its check on a port and was rolled back: a verification failure.
  if (code === 'TLS_NOT_DEPLOYABLE' || code === 'TLS_DEPLOY_ROLLED_BACK') return 3;
  // A bundle that failed verification (signature, publisher, digests, files, paths, manifest): never loaded.
  if (code.startsWith('BUNDLE_')) return 3;
  return 1;
}
