import type { Progress, RunningTask } from '../../../shared/contract';
import type { Clock } from '../app/clock';

/**
 * Every long operation in flight, with its latest progress and a way to cancel it. Whatever starts work (a shell's
 * session, the CLI) registers it here, so the UI can list running work and any shell can cancel by id.
 */
export class TaskRegistry {
  private readonly running = new Map<string, { task: RunningTask; controller: AbortController }>();

  constructor(private readonly clock: Clock) {}

  start(
    id: string,
    operation: string,
    parent?: AbortSignal,
  ): { signal: AbortSignal; progress: (p: Progress) => void; finish: () => void; cancel: () => void } {
    const controller = new AbortController();
    const task: RunningTask = {
      id,
      operation,
      startedAt: this.clock.now().toISOString(),
      step: 'start',
      done: 0,
      total: null,
      message: 'Starting',
    };
    this.running.set(id, { task, controller });
    const onParentAbort = () => controller.abort(parent?.reason);
    parent?.addEventListener('abort', onParentAbort, { once: true });
    if (parent?.aborted) controller.abort(parent.reason);
    return {
      signal: controller.signal,
      progress: (p) => Object.assign(task, p),
      finish: () => {
        parent?.removeEventListener('abort', onParentAbort);
        this.running.delete(id);
      },
      cancel: () => controller.abort(),
    };
  }

  cancel(id: string): boolean {
    const entry = this.running.get(id);
    if (!entry) return false;
    entry.controller.abort();
    return true;
  }

  list(): RunningTask[] {
    return [...this.running.values()].map((entry) => ({ ...entry.task }));
  }
}
