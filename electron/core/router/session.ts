import { ClientMessage, findOperation, type Progress, type ServerMessage } from '../../../shared/contract';
import type { TaskRegistry } from '../tasks/task-registry';
import { toCopperError, type Router } from './router';

/**
 * One connected shell (an Electron window, a browser tab, the CLI in-process): turns protocol messages into router
 * calls, streams progress, honours cancel, and tears everything down when the shell goes away.
 */
export class Session {
  private readonly subscriptions = new Map<string, () => void>();
  private readonly calls = new Map<string, () => void>();
  private closed = false;

  constructor(
    private readonly router: Router,
    private readonly tasks: TaskRegistry,
    private readonly actor: string,
    private readonly send: (message: ServerMessage) => void,
  ) {}

  handle(raw: unknown): void {
    if (this.closed) return;
    const parsed = ClientMessage.safeParse(raw);
    if (!parsed.success) {
      const id = typeof (raw as { id?: unknown } | null)?.id === 'string' ? String((raw as { id: string }).id).slice(0, 64) : 'invalid';
      this.reply({ type: 'result', id, ok: false, error: { code: 'INVALID_INPUT', message: 'The message does not follow the Copper protocol.' } });
      return;
    }
    const message = parsed.data;
    switch (message.type) {
      case 'call':
        void this.runCall(message);
        break;
      case 'cancel':
        this.calls.get(message.id)?.();
        break;
      case 'subscribe':
        try {
          this.subscriptions.get(message.id)?.();
          this.subscriptions.set(
            message.id,
            this.router.subscribe(message.op, message.input, (payload) => this.reply({ type: 'event', id: message.id, payload })),
          );
        } catch (error) {
          this.reply({ type: 'result', id: message.id, ok: false, error: toCopperError(error).toEnvelope() });
        }
        break;
      case 'unsubscribe':
        this.subscriptions.get(message.id)?.();
        this.subscriptions.delete(message.id);
        break;
    }
  }

  close(): void {
    this.closed = true;
    for (const dispose of this.subscriptions.values()) dispose();
    this.subscriptions.clear();
    for (const cancel of this.calls.values()) cancel();
    this.calls.clear();
  }

  private async runCall(message: Extract<ClientMessage, { type: 'call' }>): Promise<void> {
    // Only work an operator waits on (tasks, executing commands) is listed as running; queries are cancellable all the same.
    const kind = findOperation(message.op)?.kind;
    const listed = kind === 'task' || (kind === 'command' && message.phase === 'execute');
    const task = listed ? this.tasks.start(this.taskId(message.id), message.op) : unlistedCall();
    this.calls.set(message.id, task.cancel);
    try {
      const value = await this.router.call(
        message.op,
        message.phase,
        message.input,
        {
          actor: this.actor,
          signal: task.signal,
          progress: (progress) => {
            task.progress(progress);
            this.reply({ type: 'progress', id: message.id, progress });
          },
          part: (value) => this.reply({ type: 'part', id: message.id, value }),
        },
        message.planHash,
      );
      this.reply({ type: 'result', id: message.id, ok: true, value });
    } catch (error) {
      this.reply({ type: 'result', id: message.id, ok: false, error: toCopperError(error, task.signal).toEnvelope() });
    } finally {
      task.finish();
      this.calls.delete(message.id);
    }
  }

  /** Call ids are chosen by the client, so they are namespaced per session before they reach the shared registry. */
  private readonly prefix = Math.random().toString(36).slice(2, 10);
  private taskId(callId: string): string {
    return `${this.prefix}:${callId}`;
  }

  private reply(message: ServerMessage): void {
    if (!this.closed) this.send(message);
  }
}

function unlistedCall(): { signal: AbortSignal; progress: (p: Progress) => void; finish: () => void; cancel: () => void } {
  const controller = new AbortController();
  return { signal: controller.signal, progress: () => undefined, finish: () => undefined, cancel: () => controller.abort() };
}
