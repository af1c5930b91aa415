import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CopperClient } from '../../shared/client/client';
import { connectInProcess } from '../../electron/core/app/in-process-client';
import { createCore, type Core } from '../../electron/core/app/core';
import { PassphraseVault } from '../../electron/core/secrets/passphrase-vault';

export interface TempCore {
  dir: string;
  core: Core;
  vault: PassphraseVault;
  client: CopperClient;
  close(): void;
}

/** A real core on a fresh data folder with a real (cheaper-to-derive) vault, and a client connected through a session. */
export function tempCore(passphrase = 'test-passphrase-1'): TempCore {
  const dir = mkdtempSync(join(tmpdir(), 'copper-test-'));
  const vault = new PassphraseVault({ file: join(dir, 'vault.bin'), passphrase: async () => passphrase, log2N: 12 });
  const core = createCore({ dataDir: dir, secrets: vault, shell: 'cli', version: 'test' });
  const { client, close } = connectInProcess(core, 'tester@test');
  return {
    dir,
    core,
    vault,
    client,
    close() {
      close();
      core.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Plan and execute a command as an operator who confirms whatever plan is shown. */
export async function confirmAndRun<T>(
  client: CopperClient,
  name: Parameters<CopperClient['plan']>[0],
  input: unknown,
): Promise<T> {
  const { planHash } = await client.plan(name, input as never);
  return (await client.execute(name, input as never, planHash)) as T;
}
