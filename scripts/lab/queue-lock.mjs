// The lab runs one system-wide Postfix, so its queue is shared: the queue tests, the queue e2e spec, the benchmark and
// fill-queue.mjs each empty it (`postsuper -d ALL`) and would wreck each other's counts if they ran at once. Each takes
// this lock for as long as it uses the queue. A lock whose holder died is taken over, so a killed run never wedges the lab.
import { mkdirSync, openSync, readFileSync, rmSync, writeSync, closeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const lockFile = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '.lab', 'queue.lock');

function holder() {
  try {
    return JSON.parse(readFileSync(lockFile, 'utf8'));
  } catch {
    return null; // being written or just removed: look again
  }
}

function alive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return err.code === 'EPERM';
  }
}

/**
 * Waits until the lab's mail queue is free, then holds it for `who` until the returned release is called (or this
 * process exits). Waiting longer than `timeoutMs` fails with the holder named.
 */
export async function holdQueueLock(who, { timeoutMs = 45 * 60_000, log = (line) => console.error(line) } = {}) {
  mkdirSync(dirname(lockFile), { recursive: true });
  const started = Date.now();
  let told = false;
  for (;;) {
    try {
      const fd = openSync(lockFile, 'wx', 0o644);
      writeSync(fd, JSON.stringify({ pid: process.pid, who, since: new Date().toISOString() }));
      closeSync(fd);
      break;
    } catch (err) {
      if (err.code !== 'EEXIST') throw err;
    }
    const held = holder();
    if (held && typeof held.pid === 'number' && !alive(held.pid)) {
      rmSync(lockFile, { force: true });
      continue;
    }
    if (Date.now() - started > timeoutMs) {
      throw new Error(`the lab's mail queue is still held by ${held?.who ?? 'another run'} (PID ${held?.pid ?? '?'}) after ${Math.round(timeoutMs / 1000)} s; stop it or remove ${lockFile}`);
    }
    if (!told && held) {
      log(`waiting for the lab's mail queue: held by ${held.who} (PID ${held.pid}) since ${held.since}`);
      told = true;
    }
    await new Promise((resolve) => setTimeout(resolve, 300));
  }
  const release = () => {
    if (holder()?.pid === process.pid) rmSync(lockFile, { force: true });
    process.off('exit', release);
  };
  process.on('exit', release);
  return release;
}
