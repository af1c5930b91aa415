import { spawnSync } from 'node:child_process';
import { setTimeout as delay } from 'node:timers/promises';

/**
 * The lab's Postfix, driven directly with its own programs (we are root on the lab machine): the independent oracle
 * that tests compare the console against. Never goes through the code under test.
 */
export interface OracleRecord {
  queue_name: string;
  queue_id: string;
  arrival_time: number;
  message_size: number;
  sender: string;
  recipients: Array<{ address: string; delay_reason?: string }>;
}

function run(program: string, args: string[], input?: string): string {
  const result = spawnSync(program, args, { encoding: 'utf8', input, timeout: 120_000, maxBuffer: 512 * 1024 * 1024 });
  if (result.status !== 0) throw new Error(`${program} ${args.join(' ')} failed (${result.status}): ${result.stderr}`);
  return result.stdout;
}

export function postqueueRecords(): OracleRecord[] {
  return run('/usr/sbin/postqueue', ['-j'])
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as OracleRecord);
}

export const queueOf = (records: OracleRecord[]) => new Map(records.map((r) => [r.queue_id, r.queue_name]));

export function clearQueue(): void {
  run('/usr/sbin/postsuper', ['-d', 'ALL']);
}

export function postsuper(flag: string, ids: string[]): void {
  run('/usr/sbin/postsuper', [flag, '-'], `${ids.join('\n')}\n`);
}

/** Submits one message with sendmail (argv, no shell) to remote recipients, where it stays deferred. */
export function submit(sender: string, recipients: string[], subject = 'queue test'): void {
  run('/usr/sbin/sendmail', ['-f', sender, '--', ...recipients], `Subject: ${subject}\nFrom: ${sender}\n\nBody of ${subject}.\n`);
}

/** Waits until `count` messages are queued and none is still being processed (all deferred or held). */
export async function settled(count: number, timeoutMs = 60_000): Promise<OracleRecord[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const records = postqueueRecords();
    if (records.length === count && records.every((r) => r.queue_name === 'deferred' || r.queue_name === 'hold')) return records;
    if (Date.now() > deadline) {
      throw new Error(`The lab queue did not settle at ${count} messages: ${records.length} queued, states ${[...new Set(records.map((r) => r.queue_name))].join(',')}`);
    }
    await delay(250);
  }
}

export function postfixStop(): void {
  run('/usr/sbin/postfix', ['stop']);
}

export async function postfixStart(): Promise<void> {
  const status = spawnSync('/usr/sbin/postfix', ['status'], { encoding: 'utf8' });
  if (status.status !== 0) run('/usr/sbin/postfix', ['start']);
  for (let i = 0; i < 100; i++) {
    if (spawnSync('/usr/sbin/postqueue', ['-j'], { encoding: 'utf8' }).status === 0) return;
    await delay(100);
  }
  throw new Error('Postfix did not come back after postfix start');
}
