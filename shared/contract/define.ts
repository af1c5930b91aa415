import { z } from 'zod';

/**
 * How an operation behaves, and so how every shell treats it:
 * - query: reads, never changes state, never audited.
 * - command: changes state; always planned, confirmed (by plan hash), executed, audited.
 * - task: long-running read or computation; reports progress and honours cancel.
 * - event: a subscription; the server pushes payloads until unsubscribed.
 */
export type OperationKind = 'query' | 'command' | 'task' | 'event';

interface Base<N extends string> {
  name: N;
  summary: string;
}

export interface QueryDef<N extends string = string, I extends z.ZodType = z.ZodType, O extends z.ZodType = z.ZodType>
  extends Base<N> {
  kind: 'query';
  input: I;
  output: O;
}

export interface TaskDef<
  N extends string = string,
  I extends z.ZodType = z.ZodType,
  O extends z.ZodType = z.ZodType,
  P extends z.ZodType = z.ZodType,
> extends Base<N> {
  kind: 'task';
  input: I;
  output: O;
  /**
   * A task whose result is long (a listing of 100,000 messages) may hand it over in parts as it goes, so that neither
   * end holds it whole and the caller can start writing while the server is still reading; `output` then sums up.
   */
  part?: P;
}

export interface CommandDef<
  N extends string = string,
  I extends z.ZodType = z.ZodType,
  P extends z.ZodType = z.ZodType,
  O extends z.ZodType = z.ZodType,
> extends Base<N> {
  kind: 'command';
  input: I;
  plan: P;
  output: O;
  /** Top-level input fields that carry secrets: redacted before the input reaches the audit trail or any log. */
  secretFields: readonly string[];
}

export interface EventDef<N extends string = string, I extends z.ZodType = z.ZodType, O extends z.ZodType = z.ZodType>
  extends Base<N> {
  kind: 'event';
  input: I;
  payload: O;
}

export type OperationDef = QueryDef | TaskDef | CommandDef | EventDef;

export const query = <N extends string, I extends z.ZodType, O extends z.ZodType>(
  def: Omit<QueryDef<N, I, O>, 'kind'>,
): QueryDef<N, I, O> => ({ kind: 'query', ...def });

export const task = <N extends string, I extends z.ZodType, O extends z.ZodType, P extends z.ZodType = z.ZodNever>(
  def: Omit<TaskDef<N, I, O, P>, 'kind'>,
): TaskDef<N, I, O, P> => ({ kind: 'task', ...def });

export const command = <N extends string, I extends z.ZodType, P extends z.ZodType, O extends z.ZodType>(
  def: Omit<CommandDef<N, I, P, O>, 'kind' | 'secretFields'> & { secretFields?: readonly string[] },
): CommandDef<N, I, P, O> => ({ kind: 'command', secretFields: [], ...def });

export const event = <N extends string, I extends z.ZodType, O extends z.ZodType>(
  def: Omit<EventDef<N, I, O>, 'kind'>,
): EventDef<N, I, O> => ({ kind: 'event', ...def });

/** One change a command will make, in the operator's words. Every plan lists its changes this way. */
export const PlannedChange = z.object({
  action: z.enum(['create', 'update', 'delete', 'keep']),
  /** What is changed, e.g. "host mx1". */
  target: z.string(),
  /** The specifics, e.g. "address 10.0.0.5 → 10.0.0.6". */
  detail: z.string().default(''),
});
export type PlannedChange = z.infer<typeof PlannedChange>;

/**
 * The common part of every plan: a one-line summary, the list of changes, warnings the operator must read, and whether
 * the change destroys something (the UI then asks for a stronger confirmation).
 */
export const planShape = {
  summary: z.string(),
  changes: z.array(PlannedChange),
  warnings: z.array(z.string()),
  destructive: z.boolean(),
};
export const BasicPlan = z.object(planShape);
export type BasicPlan = z.infer<typeof BasicPlan>;
