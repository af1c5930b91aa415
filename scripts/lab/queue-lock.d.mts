/** Waits until the lab's shared Postfix queue is free, then holds it until the returned function is called. */
export function holdQueueLock(who: string, options?: { timeoutMs?: number; log?: (line: string) => void }): Promise<() => void>;
