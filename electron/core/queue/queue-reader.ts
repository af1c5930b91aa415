import { CopperError, isCopperError } from '../../../shared/contract/errors';
import type { QueueListItem } from '../../../shared/contract/queue';
import type { ExecTarget } from '../exec/exec-target';
import type { PostqueueRunner } from './postfix-target';
import { PostqueueParser } from './postqueue-parser';

/** Reading 100,000 messages takes seconds; a listing that has not ended after this is stuck. */
const READ_TIMEOUT_MS = 10 * 60_000;
const PROGRESS_EVERY = 2_000;

export interface ReadQueueOptions {
  signal?: AbortSignal | undefined;
  /** Each message already carries `host`. */
  onMessage(message: QueueListItem): void;
  onUnreadable(excerpt: string): void;
  onProgress?: ((recordsRead: number) => void) | undefined;
}

/**
 * Runs `postqueue -j` and hands each record on as it arrives: nothing holds the listing as one string, so memory
 * depends on what the caller keeps, not on the size of the queue. A listing that stops mid-record, a dropped
 * connection or a failing postqueue raise an error; a partial listing is never passed off as the whole queue.
 */
export async function readQueue(host: string, postfix: PostqueueRunner, options: ReadQueueOptions): Promise<{ recordsRead: number }> {
  let nextProgress = PROGRESS_EVERY;
  const parser = new PostqueueParser({
    message: (message) => {
      options.onMessage(message);
      if (parser.recordsRead >= nextProgress) {
        nextProgress += PROGRESS_EVERY;
        options.onProgress?.(parser.recordsRead);
      }
    },
    unreadable: options.onUnreadable,
  }, host);
  const target = postfix.target;
  let result;
  try {
    result = await target.run({
      argv: postfix.postqueue('-j'),
      timeoutMs: READ_TIMEOUT_MS,
      maxOutputBytes: 64 * 1024,
      onStdout: (chunk) => parser.push(chunk),
      ...(options.signal ? { signal: options.signal } : {}),
    });
  } catch (error) {
    if (isCopperError(error) && error.code === 'CONNECTION_LOST') {
      throw incomplete(target, parser.recordsRead, 'the connection dropped', error.message);
    }
    throw error;
  }
  if (result.exitCode !== 0) throw postqueueFailure(target, result.exitCode, result.exitSignal, result.stderr);
  if (parser.midRecord) throw incomplete(target, parser.recordsRead, 'the listing stopped in the middle of a message', null);
  options.onProgress?.(parser.recordsRead);
  return { recordsRead: parser.recordsRead };
}

function incomplete(target: ExecTarget, recordsRead: number, why: string, cause: string | null): CopperError {
  return new CopperError(
    'QUEUE_READ_INCOMPLETE',
    `The queue listing from ${target.description} is incomplete: ${why} after ${recordsRead.toLocaleString('en')} messages. Nothing was changed; refresh to read it again.`,
    { recordsRead, ...(cause ? { cause } : {}) },
  );
}

/** postqueue's own words go into the message: they say why (mail system down, permission, missing program). */
export function postqueueFailure(target: ExecTarget, exitCode: number | null, exitSignal: string | null, stderr: string): CopperError {
  const said = stderr.trim().split('\n').slice(-3).join(' ').slice(0, 500);
  if (exitCode === 127 || /not found/i.test(said)) {
    return new CopperError('POSTFIX_UNAVAILABLE', `postqueue was not found on ${target.description}: is Postfix installed there? (${said})`, { exitCode });
  }
  if (/mail system is down|Queue report unavailable|showq|connect to .*public/i.test(said)) {
    return new CopperError(
      'POSTFIX_UNAVAILABLE',
      `Postfix is not running on ${target.description}, so its queue cannot be read (${said}). Start Postfix (postfix start, or its container), then refresh.`,
      { exitCode },
    );
  }
  return new CopperError(
    'COMMAND_FAILED',
    `postqueue -j failed on ${target.description} (${exitSignal ? `signal ${exitSignal}` : `exit ${exitCode ?? '?'}`}): ${said || 'no message'}`,
    { exitCode },
  );
}
