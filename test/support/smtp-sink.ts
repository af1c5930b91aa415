import { spawnSync } from 'node:child_process';
import { createServer, type Server, type Socket } from 'node:net';

/**
 * A minimal SMTP server the DKIM tests run themselves: the lab Postfix relays the signed test mail here (transport_maps
 * routes the sink domain to it), so the test gets each message exactly as it left Postfix and nothing stays queued.
 */
export class SmtpSink {
  readonly messages: Buffer[] = [];
  private readonly waiters: Array<{ match: (m: string) => boolean; resolve: (m: Buffer) => void }> = [];
  private readonly sockets = new Set<Socket>();

  private constructor(private readonly server: Server) {}

  static async start(port: number, host = '127.0.0.1'): Promise<SmtpSink> {
    const server = createServer();
    const sink = new SmtpSink(server);
    server.on('connection', (socket) => sink.serve(socket));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => resolve());
    });
    return sink;
  }

  /** The first message received (or arriving later) whose text contains `marker`. */
  waitFor(marker: string, timeoutMs = 30_000): Promise<Buffer> {
    const match = (m: string) => m.includes(marker);
    const already = this.messages.find((m) => match(m.toString('latin1')));
    if (already) return Promise.resolve(already);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`No message with ${marker} reached the SMTP sink within ${timeoutMs / 1000} s (see the lab's postfix.log).`)), timeoutMs);
      this.waiters.push({ match, resolve: (m) => (clearTimeout(timer), resolve(m)) });
    });
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private serve(socket: Socket): void {
    this.sockets.add(socket);
    socket.on('close', () => this.sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    let buffer = Buffer.alloc(0);
    let inData = false;
    socket.write('220 copper-test-sink ESMTP\r\n');
    socket.on('data', (chunk: Buffer) => {
      buffer = Buffer.concat([buffer, chunk]);
      for (;;) {
        if (inData) {
          const end = buffer.indexOf('\r\n.\r\n');
          if (end < 0) return;
          const body = buffer.subarray(0, end + 2);
          buffer = buffer.subarray(end + 5);
          inData = false;
          this.deliver(Buffer.from(body.toString('latin1').replace(/^\.\./gm, '.'), 'latin1'));
          socket.write('250 2.0.0 Ok: kept by the test sink\r\n');
          continue;
        }
        const eol = buffer.indexOf('\r\n');
        if (eol < 0) return;
        const line = buffer.subarray(0, eol).toString('latin1');
        buffer = buffer.subarray(eol + 2);
        const verb = line.slice(0, 4).toUpperCase();
        if (verb === 'EHLO') socket.write('250-copper-test-sink\r\n250 8BITMIME\r\n');
        else if (verb === 'HELO') socket.write('250 copper-test-sink\r\n');
        else if (verb === 'DATA') {
          inData = true;
          socket.write('354 End data with <CR><LF>.<CR><LF>\r\n');
        } else if (verb === 'QUIT') {
          socket.end('221 2.0.0 Bye\r\n');
          return;
        } else socket.write('250 2.0.0 Ok\r\n');
      }
    });
  }

  private deliver(message: Buffer): void {
    this.messages.push(message);
    const text = message.toString('latin1');
    for (const waiter of [...this.waiters]) {
      if (waiter.match(text)) {
        this.waiters.splice(this.waiters.indexOf(waiter), 1);
        waiter.resolve(message);
      }
    }
  }
}

/** Submits one message over SMTP with Python's smtplib (not the console, not Node's code under test). */
export function submitSmtp(port: number, from: string, to: string, message: string): void {
  const script = 'import smtplib,sys\ns=smtplib.SMTP("127.0.0.1",int(sys.argv[1]),timeout=30)\ns.sendmail(sys.argv[2],[sys.argv[3]],sys.stdin.buffer.read())\ns.quit()\n';
  const run = spawnSync('/usr/bin/python3', ['-c', script, String(port), from, to], { input: message, encoding: 'utf8', timeout: 60_000 });
  if (run.status !== 0) throw new Error(`SMTP submission to 127.0.0.1:${port} failed: ${run.stderr}`);
}
