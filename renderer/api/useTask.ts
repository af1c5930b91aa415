import { useCallback, useEffect, useRef, useState } from 'react';
import type { InputOf, OutputOf } from '../../shared/client/client';
import { CopperError, findOperation, type Progress, type QueryName, type TaskName } from '../../shared/contract';
import { useClient } from './client-context';

export interface TaskController<N extends TaskName | QueryName> {
  running: boolean;
  /** The last progress report of the run under way, if the task reports any. */
  progress: Progress | null;
  /** The answer of the last run that finished; kept while a new run is under way, so the page does not go blank. */
  output: OutputOf<N> | undefined;
  /** Why the last run failed; cleared when a new run starts. A cancel by the operator is not an error. */
  error: unknown;
  /** Starts a run (cancelling one under way); resolves with its answer, or undefined when it failed or was cancelled. */
  run(input: InputOf<N>): Promise<OutputOf<N> | undefined>;
  cancel(): void;
  /** Forgets the answer and the error, e.g. when the page's subject changes. */
  reset(): void;
}

/**
 * An operation the operator starts on demand (a host check, a log read, a key probe), with progress and cancel. The run
 * is cancelled when the component goes away, so a closed page never leaves work running on a server.
 */
export function useTask<N extends TaskName | QueryName>(name: N): TaskController<N> {
  const client = useClient();
  const [running, setRunning] = useState(false);
  const [progress, setProgress] = useState<Progress | null>(null);
  const [output, setOutput] = useState<OutputOf<N> | undefined>(undefined);
  const [error, setError] = useState<unknown>(null);
  const current = useRef<AbortController | null>(null);

  useEffect(() => () => current.current?.abort(), []);

  const run = useCallback(
    async (input: InputOf<N>): Promise<OutputOf<N> | undefined> => {
      current.current?.abort();
      const controller = new AbortController();
      current.current = controller;
      setRunning(true);
      setProgress(null);
      setError(null);
      const options = { signal: controller.signal, onProgress: (p: Progress) => !controller.signal.aborted && setProgress(p) };
      try {
        // The name was checked against the input by the caller's types; here it is held as the union of names.
        const answer = (await (isTask(name)
          ? client.task(name as TaskName, input as InputOf<TaskName>, options)
          : client.query(name as QueryName, input as InputOf<QueryName>, options))) as OutputOf<N>;
        if (current.current !== controller) return undefined;
        setOutput(answer);
        return answer;
      } catch (caught) {
        if (current.current !== controller) return undefined;
        const cancelled = controller.signal.aborted && caught instanceof CopperError && caught.code === 'CANCELLED';
        if (!cancelled) setError(caught);
        return undefined;
      } finally {
        if (current.current === controller) {
          current.current = null;
          setRunning(false);
          setProgress(null);
        }
      }
    },
    [client, name],
  );

  const cancel = useCallback(() => {
    const controller = current.current;
    if (!controller) return;
    current.current = null;
    controller.abort();
    setRunning(false);
    setProgress(null);
  }, []);

  const reset = useCallback(() => {
    setOutput(undefined);
    setError(null);
  }, []);

  return { running, progress, output, error, run, cancel, reset };
}

const isTask = (name: string) => findOperation(name)?.kind === 'task';
