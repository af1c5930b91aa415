import { createServer, type AddressInfo, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { OutsideCheck, StackSpec } from '../../../../shared/contract';
import { checkAddress } from './plan-stack';

/** Opens a TCP connection from the server itself (SSH direct-tcpip) to an address and port there. */
export type OpenFromServer = (address: string, port: number) => Promise<Duplex>;

export interface CheckOptions {
  secretValue: (name: string) => string;
  timeoutMs?: number;
  /** A service that just became healthy may still be opening its port; each check is tried this often. */
  attempts?: number;
  signal?: AbortSignal;
}

/**
 * Verifies each checked port of the stack the way a client would, from outside the containers: through the host's SSH
 * connection to the address the port is published on. SMTP must greet with 220, IMAP with "* OK", LDAP must accept a
 * simple bind as the stack's administrator with the generated password (and refuse nothing else is asserted).
 */
export async function outsideChecks(stack: StackSpec, open: OpenFromServer, options: CheckOptions): Promise<OutsideCheck[]> {
  const results: OutsideCheck[] = [];
  for (const [service, spec] of Object.entries(stack.services)) {
    for (const port of spec.ports) {
      if (!port.check) continue;
      const address = checkAddress(port.hostIp);
      const check = port.check;
      let result: { ok: boolean; detail: string } = { ok: false, detail: 'not tried' };
      for (let attempt = 1; attempt <= (options.attempts ?? 5); attempt++) {
        if (options.signal?.aborted) break;
        result = await withTimeout(options.timeoutMs ?? 10_000, async () => {
          if (check.kind === 'ldap-bind') return ldapBind(open, address, port.hostPort, check.dn, options.secretValue(check.passwordSecret));
          return greeting(await open(address, port.hostPort), check.kind);
        });
        if (result.ok) break;
        await new Promise((resolve) => setTimeout(resolve, 1000));
      }
      results.push({ service, kind: check.kind, address, port: port.hostPort, ...result });
    }
  }
  return results;
}

const GREETINGS = { smtp: /^220[ -]/, imap: /^\* OK/ } as const;

/** Reads the first line the server sends and closes politely; `tcp` only needs the connection to open. */
async function greeting(stream: Duplex, kind: 'smtp' | 'imap' | 'tcp'): Promise<{ ok: boolean; detail: string }> {
  if (kind === 'tcp') {
    stream.destroy();
    return { ok: true, detail: 'connection accepted' };
  }
  const line = await new Promise<string>((resolve, reject) => {
    let text = '';
    stream.on('data', (chunk: Buffer) => {
      text += chunk.toString('latin1');
      const end = text.indexOf('\n');
      if (end >= 0 || text.length > 2048) resolve(text.slice(0, end >= 0 ? end : 2048).replace(/\r$/, ''));
    });
    stream.once('error', reject);
    stream.once('close', () => resolve(text));
  });
  stream.end(kind === 'smtp' ? 'QUIT\r\n' : 'a1 LOGOUT\r\n');
  setTimeout(() => stream.destroy(), 500).unref();
  const ok = GREETINGS[kind].test(line);
  return { ok, detail: ok ? line.slice(0, 200) : `unexpected greeting: ${JSON.stringify(line.slice(0, 200))}` };
}

/**
 * A simple bind through a loopback listener that pipes into the SSH channel: ldapts wants a socket it can create
 * synchronously, an SSH channel opens asynchronously. The listener accepts one connection and lives for this bind only.
 */
async function ldapBind(open: OpenFromServer, address: string, port: number, dn: string, password: string): Promise<{ ok: boolean; detail: string }> {
  const { Client } = await import('ldapts');
  const server = createServer({ pauseOnConnect: true }, (local: Socket) => {
    open(address, port).then(
      (remote) => {
        local.pipe(remote).pipe(local);
        local.resume();
        const close = () => {
          local.destroy();
          remote.destroy();
        };
        local.once('close', close);
        remote.once('close', close);
        remote.once('error', close);
        local.once('error', close);
      },
      () => local.destroy(),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const local = server.address() as AddressInfo;
  const client = new Client({ url: `ldap://127.0.0.1:${local.port}`, connectTimeout: 5_000, timeout: 5_000 });
  try {
    await client.bind(dn, password);
    return { ok: true, detail: `bound as ${dn}` };
  } catch (error) {
    return { ok: false, detail: `bind as ${dn} failed: ${(error as Error).message}` };
  } finally {
    await client.unbind().catch(() => {});
    server.close();
  }
}

async function withTimeout(ms: number, work: () => Promise<{ ok: boolean; detail: string }>): Promise<{ ok: boolean; detail: string }> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      work().catch((error: unknown) => ({ ok: false, detail: (error as Error).message })),
      new Promise<{ ok: boolean; detail: string }>((resolve) => {
        timer = setTimeout(() => resolve({ ok: false, detail: `no answer within ${Math.round(ms / 1000)} s` }), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}
