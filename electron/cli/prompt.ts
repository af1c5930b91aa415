import { openSync, closeSync } from 'node:fs';
import { ReadStream } from 'node:tty';
import { createInterface } from 'node:readline';

/**
 * Terminal questions. They read from the controlling terminal even when stdin carries data (`--password-stdin`), and
 * report "no terminal" instead of hanging when there is none (CI, pipes, cron).
 */
function openTerminal(): ReadStream | undefined {
  if (process.stdin.isTTY) return process.stdin as ReadStream;
  if (process.platform === 'win32') return undefined;
  try {
    const fd = openSync('/dev/tty', 'r');
    try {
      return new ReadStream(fd);
    } catch {
      closeSync(fd);
      return undefined;
    }
  } catch {
    return undefined;
  }
}

export function hasTerminal(): boolean {
  const terminal = openTerminal();
  if (!terminal) return false;
  if (terminal !== process.stdin) terminal.destroy();
  return true;
}

export async function ask(question: string, options: { hidden?: boolean } = {}): Promise<string | undefined> {
  const terminal = openTerminal();
  if (!terminal) return undefined;
  try {
    if (!options.hidden) {
      const rl = createInterface({ input: terminal, output: process.stderr, terminal: true });
      try {
        return await new Promise<string>((resolve) => rl.question(question, resolve));
      } finally {
        rl.close();
      }
    }
    process.stderr.write(question);
    terminal.setRawMode(true);
    terminal.resume();
    terminal.setEncoding('utf8');
    return await new Promise<string | undefined>((resolve) => {
      let value = '';
      const onData = (chunk: string) => {
        for (const char of chunk) {
          if (char === '\r' || char === '\n') {
            done(value);
            return;
          }
          if (char === '\u0003' || char === '\u0004') {
            done(undefined);
            return;
          }
          if (char === '\u007f' || char === '\b') value = value.slice(0, -1);
          else value += char;
        }
      };
      const done = (result: string | undefined) => {
        terminal.off('data', onData);
        terminal.setRawMode(false);
        terminal.pause();
        process.stderr.write('\n');
        resolve(result);
      };
      terminal.on('data', onData);
    });
  } finally {
    if (terminal !== process.stdin) terminal.destroy();
  }
}

export async function confirm(question: string): Promise<boolean | undefined> {
  const answer = await ask(`${question} [y/N] `);
  if (answer === undefined) return undefined;
  return /^(y|yes)$/i.test(answer.trim());
}

/** The vault passphrase: COPPER_PASSPHRASE, else asked on the terminal (twice when a new vault is created). */
export async function vaultPassphrase(creating: boolean): Promise<string | undefined> {
  const fromEnv = process.env.COPPER_PASSPHRASE;
  if (fromEnv) return fromEnv;
  if (!hasTerminal()) return undefined;
  if (!creating) return ask('Vault passphrase: ', { hidden: true });
  process.stderr.write('Copper Console keeps passwords and keys in an encrypted vault. Choose its passphrase.\n');
  const first = await ask('New vault passphrase: ', { hidden: true });
  if (first === undefined) return undefined;
  const second = await ask('Repeat the passphrase: ', { hidden: true });
  if (first !== second) {
    process.stderr.write('The two passphrases differ; no vault was created.\n');
    return undefined;
  }
  return first;
}

export async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
