// Shared parts of the lab that one run at a time may use (the system-wide Postfix queue, the stack engine) are guarded by
// a lock file each under .lab/. A lock whose holder died is taken over, so a killed run never wedges the lab.
import { mkdirSync, openSync, readFileSync, rmSync, writeSync, closeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const labDir = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '.lab');

function holder(lockFile) {
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
 * Waits until the shared lab resource `name` (the lock file .lab/NAME.lock; `what` names it in messages) is free, then
 * holds it for `who` until the returned release is called (or this process exits). Waiting longer than `timeoutMs`
 * fails with the holder named.
 */
export async function holdLabLock(name, what, who, { timeoutMs = 45 * 60_000, log = (line) => console.error(line) } = {}) {
  const lockFile = join(labDir, `${name}.lock`);
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
    const held = holder(lockFile);
    if (held && typeof held.pid === 'number' && !alive(held.pid)) {
      rmSync(lockFile, { force: true });
      continue;
    }
    if (Date.now() - started > timeoutMs) {
      throw new Error(`${what} is still held by ${held?.who ?? 'another run'} (PID ${held?.pid ?? '?'}) after ${Math.round(timeoutMs / 1000)} s; stop it or remove ${lockFile}`);
    }
    if (!told && held) {
      log(`waiting for ${what}: held by ${held.who} (PID ${held.pid}) since ${held.since}`);
      told = true;
    }
    await new Promise((resolve) => setTimeout(resolve, 300));
  }
  const release = () => {
    if (holder(lockFile)?.pid === process.pid) rmSync(lockFile, { force: true });
    process.off('exit', release);
  };
  process.on('exit', release);
  return release;
}
