import type { EventName } from '../../../shared/contract';

/** In-process announcements of changes (e.g. the inventory changed), which event subscriptions forward to shells. */
export class EventBus {
  private readonly listeners = new Map<EventName, Set<(payload: unknown) => void>>();

  on(name: EventName, listener: (payload: unknown) => void): () => void {
    const set = this.listeners.get(name) ?? new Set();
    set.add(listener);
    this.listeners.set(name, set);
    return () => set.delete(listener);
  }

  emit(name: EventName, payload: unknown): void {
    for (const listener of this.listeners.get(name) ?? []) listener(payload);
  }
}
