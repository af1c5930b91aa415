import { useCallback, useEffect, useRef, useState } from 'react';
import type { InputOf, PlanOf } from '../../../shared/client/client';
import { CopperError } from '../../../shared/contract';
import { useClient } from '../../api/client-context';

export type ApplyInput = InputOf<'provision.apply'>;
export type PlanOfApply = PlanOf<'provision.apply'>;

export interface PlanPreview {
  running: boolean;
  plan: PlanOfApply | null;
  /** The input the shown plan was made for. */
  input: ApplyInput | null;
  error: unknown;
  run(input: ApplyInput): Promise<void>;
  cancel(): void;
  reset(): void;
}

/**
 * The plan of an apply, shown on the page before anything is confirmed. Planning changes nothing (it reads the host's
 * containers and the bundle); Apply plans again through the plan dialog, and confirms that plan, not this one.
 */
export function useProvisionPlan(): PlanPreview {
  const client = useClient();
  const [running, setRunning] = useState(false);
  const [plan, setPlan] = useState<PlanOfApply | null>(null);
  const [input, setInput] = useState<ApplyInput | null>(null);
  const [error, setError] = useState<unknown>(null);
  const current = useRef<AbortController | null>(null);

  useEffect(() => () => current.current?.abort(), []);

  const run = useCallback(
    async (next: ApplyInput) => {
      current.current?.abort();
      const controller = new AbortController();
      current.current = controller;
      setRunning(true);
      setError(null);
      try {
        const planned = await client.plan('provision.apply', next, { signal: controller.signal });
        if (current.current !== controller) return;
        setPlan(planned.plan);
        setInput(next);
      } catch (caught) {
        if (current.current !== controller) return;
        const cancelled = controller.signal.aborted && caught instanceof CopperError && caught.code === 'CANCELLED';
        if (!cancelled) {
          setError(caught);
          setPlan(null);
        }
      } finally {
        if (current.current === controller) {
          current.current = null;
          setRunning(false);
        }
      }
    },
    [client],
  );

  const cancel = useCallback(() => {
    current.current?.abort();
    current.current = null;
    setRunning(false);
  }, []);

  const reset = useCallback(() => {
    setPlan(null);
    setInput(null);
    setError(null);
  }, []);

  return { running, plan, input, error, run, cancel, reset };
}
