import type { z } from 'zod';
import type { CommandName, EventName, Op, Progress, QueryName, TaskName } from '../../../shared/contract';

/** Who is calling and how to report back; given to every handler. */
export interface CallContext {
  actor: string;
  signal: AbortSignal;
  progress: (progress: Progress) => void;
  /** Hands over one part of a task's result (only for tasks whose contract declares `part`). */
  part: (value: unknown) => void;
}

type In<N extends keyof Handlers> = z.output<Op<N>['input']>;
type Out<N extends QueryName | CommandName | TaskName> = z.input<Op<N>['output']>;
type MaybePromise<T> = T | Promise<T>;

export type QueryHandler<N extends QueryName> = (input: In<N>, ctx: CallContext) => MaybePromise<Out<N>>;
export type TaskHandler<N extends TaskName> = (input: In<N>, ctx: CallContext) => MaybePromise<Out<N>>;

export interface CommandHandler<N extends CommandName> {
  /** The site and host the command concerns, for the audit record; computed before it runs. */
  scope?: (input: In<N>) => { site: string | null; host: string | null };
  plan: (input: In<N>, ctx: CallContext) => MaybePromise<z.input<Op<N>['plan']>>;
  execute: (input: In<N>, ctx: CallContext) => MaybePromise<Out<N>>;
  /**
   * What goes into the audit record as the result, always, whatever its size (e.g. every queue ID a command acted
   * on). Without it the whole output is recorded when it is small.
   */
  auditResult?: (output: Out<N>, input: In<N>) => unknown;
  /** Events to announce after the command succeeded. */
  emits?: EventName[];
}

export type EventHandler<N extends EventName> = (
  input: In<N>,
  emit: (payload: z.input<Op<N>['payload']>) => void,
) => () => void;

export type Handlers = { [N in QueryName]: QueryHandler<N> } & { [N in TaskName]: TaskHandler<N> } & {
  [N in CommandName]: CommandHandler<N>;
} & { [N in EventName]: EventHandler<N> };
