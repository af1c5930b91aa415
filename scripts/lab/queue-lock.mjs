// The lab runs one system-wide Postfix, so its queue is shared: the queue tests, the queue e2e spec, the benchmark and
// fill-queue.mjs each empty it (`postsuper -d ALL`) and would wreck each other's counts if they ran at once. Each takes
// this lock for as long as it uses the queue.
import { holdLabLock } from './lab-lock.mjs';

export const holdQueueLock = (who, options) => holdLabLock('queue', "the lab's mail queue", who, options);
