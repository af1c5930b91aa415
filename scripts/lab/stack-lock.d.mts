/** Waits until the lab's stack Docker engine (lab.json → stackDocker) is free, then holds it until the returned function is called. */
export function holdStackLock(who: string, options?: { timeoutMs?: number; log?: (line: string) => void }): Promise<() => void>;
