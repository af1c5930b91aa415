import { useCallback, useEffect, useRef, useState } from 'react';
import { notifications } from '@mantine/notifications';
import type { InputOf, OutputOf } from '../../shared/client/client';
import { BasicPlan, contract, CopperError, type CommandName, type Progress } from '../../shared/contract';
import { useClient } from './client-context';

/**
 * Where a command stands in plan → confirm → execute. `review` waits for the operator; `replanned` says the plan shown
 * is a new one because the first went stale (PLAN_CHANGED) before it was confirmed.
 */
export type CommandStep =
  | { step: 'idle' }
  | { step: 'review'; plan: BasicPlan; planHash: string; replanned: boolean }
  /** `progress`: the last report of a command that reports its steps while it executes (null until the first). */
  | { step: 'executing'; plan: BasicPlan; planHash: string; progress: Progress | null }
  | { step: 'failed'; error: unknown; plan: BasicPlan | null };

export type CommandOutcome<N extends CommandName> = { ok: true; output: OutputOf<N> } | { ok: false };

export interface RunOptions<N extends CommandName> {
  /** The title of the notification after success; by default the plan's summary. */
  success?: (output: OutputOf<N>, plan: BasicPlan) => string;
}

export interface CommandController {
  state: CommandStep;
  /** True while the dialog is shown (it keeps its last content while it fades out). */
  opened: boolean;
  /** True while the plan is being prepared, before the dialog opens: show it on the button that started the command. */
  planning: boolean;
  /** Plans the command and opens the dialog; resolves when it was carried out or the operator walked away. */
  run<N extends CommandName>(name: N, input: InputOf<N>, options?: RunOptions<N>): Promise<CommandOutcome<N>>;
  confirm(): void;
  /** Plans the same input again (after a failure). */
  retry(): void;
  dismiss(): void;
}

interface Current {
  name: CommandName;
  input: unknown;
  success: ((output: unknown, plan: BasicPlan) => string) | undefined;
  settle: (outcome: { ok: true; output: unknown } | { ok: false }) => void;
}

/** The one plan → confirm → execute flow every command in the UI goes through. Pair it with <PlanDialog>. */
export function useCommand(): CommandController {
  const client = useClient();
  const [state, setState] = useState<CommandStep>({ step: 'idle' });
  const [opened, setOpened] = useState(false);
  const [planning, setPlanning] = useState(false);
  const current = useRef<Current | null>(null);

  const settle = useCallback((outcome: { ok: true; output: unknown } | { ok: false }) => {
    const running = current.current;
    current.current = null;
    running?.settle(outcome);
  }, []);

  // A command left open when its page goes away counts as walked away from.
  useEffect(() => () => settle({ ok: false }), [settle]);

  const plan = useCallback(
    async (run: Current) => {
      setPlanning(true);
      try {
        // The name and input were checked against each other in run(); here they are held as the union of all commands.
        const planned = await client.plan<CommandName>(run.name, run.input as InputOf<CommandName>);
        if (current.current !== run) return;
        setState({ step: 'review', plan: planned.plan, planHash: planned.planHash, replanned: false });
      } catch (error) {
        if (current.current !== run) return;
        setState({ step: 'failed', error, plan: null });
      } finally {
        setPlanning(false);
      }
      if (current.current === run) setOpened(true);
    },
    [client],
  );

  const run = useCallback(
    <N extends CommandName>(name: N, input: InputOf<N>, options: RunOptions<N> = {}): Promise<CommandOutcome<N>> => {
      settle({ ok: false });
      return new Promise<CommandOutcome<N>>((resolve) => {
        const entry: Current = {
          name,
          input,
          success: options.success as Current['success'],
          settle: (outcome) => resolve(outcome as CommandOutcome<N>),
        };
        current.current = entry;
        void plan(entry);
      });
    },
    [plan, settle],
  );

  const confirm = useCallback(() => {
    const running = current.current;
    if (!running || state.step !== 'review') return;
    const { plan: shown, planHash } = state;
    setState({ step: 'executing', plan: shown, planHash, progress: null });
    const onProgress = (progress: Progress) => {
      if (current.current !== running) return;
      setState((now) => (now.step === 'executing' && now.planHash === planHash ? { ...now, progress } : now));
    };
    client
      .execute<CommandName>(running.name, running.input as InputOf<CommandName>, planHash, { onProgress })
      .then((output) => {
        if (current.current !== running) return;
        notifications.show({
          color: 'teal',
          title: running.success ? running.success(output, shown) : shown.summary,
          message: 'Done, and recorded in the audit trail.',
        });
        setOpened(false);
        settle({ ok: true, output });
      })
      .catch((error: unknown) => {
        if (current.current !== running) return;
        const fresh = error instanceof CopperError && error.code === 'PLAN_CHANGED' ? freshPlan(running.name, error.details) : null;
        if (fresh) setState({ step: 'review', plan: fresh.plan, planHash: fresh.planHash, replanned: true });
        else setState({ step: 'failed', error, plan: shown });
      });
  }, [client, settle, state]);

  const retry = useCallback(() => {
    const running = current.current;
    if (!running) return;
    void plan(running);
  }, [plan]);

  const dismiss = useCallback(() => {
    if (state.step === 'executing') return; // The change is under way; its answer decides what the dialog shows next.
    setOpened(false);
    settle({ ok: false });
  }, [settle, state.step]);

  return { state, opened, planning, run, confirm, retry, dismiss };
}

/** PLAN_CHANGED carries the new plan and its hash, so the operator can review it at once instead of starting over. */
function freshPlan(name: CommandName, details: unknown): { plan: BasicPlan; planHash: string } | null {
  const value = details as { plan?: unknown; planHash?: unknown } | null | undefined;
  if (typeof value?.planHash !== 'string') return null;
  const parsed = contract[name].plan.safeParse(value.plan);
  if (!parsed.success) return null;
  // Checked against the common shape, but kept whole: the dialog's details (a queue action's sample, the key to pin)
  // read the command's own fields, which parsing with BasicPlan alone would strip.
  if (!BasicPlan.safeParse(parsed.data).success) return null;
  return { plan: parsed.data as BasicPlan, planHash: value.planHash };
}
