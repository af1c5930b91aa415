import type { z } from 'zod';

export type FieldErrors = Record<string, string>;

/**
 * Field errors from the contract's own schemas, keyed by dotted path ("ssh.port"), so a form says what is wrong next to
 * the field before anything is sent. The core validates again; this is for the operator, not for safety.
 */
export function validate<S extends z.ZodType>(
  schema: S,
  value: unknown,
): { ok: true; data: z.output<S> } | { ok: false; errors: FieldErrors } {
  const result = schema.safeParse(value);
  if (result.success) return { ok: true, data: result.data };
  const errors: FieldErrors = {};
  for (const issue of result.error.issues) {
    const path = issue.path.map(String).join('.');
    errors[path] ??= friendly(issue);
  }
  return { ok: false, errors };
}

/** The error of a field inside a nested object (`set.name` for an update is shown on the `name` field). */
export function errorAt(errors: FieldErrors, ...paths: string[]): string | undefined {
  for (const path of paths) if (errors[path]) return errors[path];
  return undefined;
}

/** Zod's generic wording for an empty required field is written for programmers; say it for operators. */
function friendly(issue: z.core.$ZodIssue): string {
  if (issue.code === 'too_small' && issue.origin === 'string' && Number(issue.minimum) <= 1) return 'This field is required.';
  if (issue.code === 'too_small' && issue.origin === 'number') return `Enter a number of at least ${String(issue.minimum)}.`;
  if (issue.code === 'too_big' && issue.origin === 'number') return `Enter a number of at most ${String(issue.maximum)}.`;
  if (issue.code === 'too_big' && issue.origin === 'string') return `Keep this under ${String(issue.maximum)} characters.`;
  return issue.message;
}
