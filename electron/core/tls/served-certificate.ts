import { isIP, connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect, type TLSSocket } from 'node:tls';
import type { TlsListener } from '../../../shared/contract/tls';

/**
 * Which certificate a listener really serves, seen from the console the way a mail client sees it: SMTP with EHLO and
 * STARTTLS (25, 587), TLS from the first byte for SMTPS, IMAPS and HTTPS. The server's words are data: kept bounded,
 * quoted in messages as text, never interpreted beyond the reply codes. The certificate is not verified here (that is
 * the point: any certificate is accepted so that its fingerprint can be compared with the one deployed).
 */
export interface ListenerAddress {
  listener: TlsListener;
  address: string;
  port: number;
  /** Sent as SNI, so a server with several certificates picks the one for the mail name. */
  serverName: string | null;
}

export class ProbeError extends Error {}

const STARTTLS_LISTENERS: ReadonlySet<TlsListener> = new Set(['smtp', 'submission']);
/** A reply longer than this is not a mail server talking: stop reading. */
const MAX_REPLY_BYTES = 16 * 1024;
const EHLO_NAME = 'copper-console.invalid';

/** The leaf certificate's SHA-256 fingerprint, colon-separated upper-case hex (as Node and openssl print it). */
export async function servedFingerprint(target: ListenerAddress, options: { timeoutMs?: number; signal?: AbortSignal } = {}): Promise<string> {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const sockets: Socket[] = [];
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new ProbeError(`no answer within ${Math.round(timeoutMs / 1000)} s`)), timeoutMs);
    options.signal?.addEventListener('abort', () => reject(new ProbeError('cancelled')), { once: true });
  });
  try {
    return await Promise.race([probe(target, sockets), deadline]);
  } finally {
    clearTimeout(timer);
    // Only the outermost socket: a TLS socket destroys the plain one it wraps, and destroying that one first under it
    // crashes Node 20 (a native TLSWrap still holds it).
    sockets.at(-1)?.destroy();
  }
}

async function probe(target: ListenerAddress, sockets: Socket[]): Promise<string> {
  const servername = target.serverName && isIP(target.serverName) === 0 ? target.serverName : undefined;
  if (STARTTLS_LISTENERS.has(target.listener)) {
    const plain = await open(() => netConnect({ host: target.address, port: target.port }), 'connect', sockets);
    const reader = new ReplyReader(plain);
    const greeting = await reader.smtpReply();
    if (greeting.code !== 220) throw new ProbeError(`the server greeted with ${quote(greeting.text)} instead of 220`);
    plain.write(`EHLO ${EHLO_NAME}\r\n`);
    const ehlo = await reader.smtpReply();
    if (ehlo.code !== 250) throw new ProbeError(`EHLO was answered with ${quote(ehlo.text)}`);
    if (!ehlo.lines.some((line) => /^250[ -]STARTTLS\b/i.test(line))) throw new ProbeError('the server does not offer STARTTLS (is TLS enabled in Postfix?)');
    plain.write('STARTTLS\r\n');
    const ready = await reader.smtpReply();
    if (ready.code !== 220) throw new ProbeError(`STARTTLS was answered with ${quote(ready.text)}`);
    reader.detach();
    const secure = await open(() => tlsConnect({ socket: plain, rejectUnauthorized: false, ...(servername ? { servername } : {}) }), 'secureConnect', sockets);
    const fingerprint = fingerprintOf(secure);
    secure.end('QUIT\r\n');
    return fingerprint;
  }
  const secure = await open(() => tlsConnect({ host: target.address, port: target.port, rejectUnauthorized: false, ...(servername ? { servername } : {}) }), 'secureConnect', sockets);
  const fingerprint = fingerprintOf(secure);
  // Make sure the right kind of server answered: a certificate from some other program on the port proves nothing.
  if (target.listener === 'smtps' || target.listener === 'imaps') {
    const reader = new ReplyReader(secure);
    const greeting = await reader.line();
    const expected = target.listener === 'smtps' ? /^220[ -]/ : /^\* (OK|PREAUTH)\b/i;
    if (!expected.test(greeting)) throw new ProbeError(`the TLS listener greeted with ${quote(greeting)}, not as ${target.listener === 'smtps' ? 'an SMTP' : 'an IMAP'} server`);
    secure.end(target.listener === 'smtps' ? 'QUIT\r\n' : 'a1 LOGOUT\r\n');
  } else {
    secure.end();
  }
  return fingerprint;
}

function open<S extends Socket>(make: () => S, ready: 'connect' | 'secureConnect', sockets: Socket[]): Promise<S> {
  return new Promise<S>((resolve, reject) => {
    const socket = make();
    sockets.push(socket);
    socket.once(ready, () => resolve(socket));
    socket.once('error', (error: NodeJS.ErrnoException) => reject(new ProbeError(socketProblem(error))));
    socket.once('close', () => reject(new ProbeError('the server closed the connection')));
  });
}

function fingerprintOf(socket: TLSSocket): string {
  const certificate = socket.getPeerCertificate();
  if (!certificate || !certificate.fingerprint256) throw new ProbeError('the server presented no certificate');
  return certificate.fingerprint256.toUpperCase();
}

function socketProblem(error: NodeJS.ErrnoException): string {
  if (error.code === 'ECONNREFUSED') return 'connection refused (nothing listens on that port)';
  if (error.code === 'ECONNRESET') return 'the connection was reset';
  if (error.code === 'EHOSTUNREACH' || error.code === 'ENETUNREACH') return 'the address cannot be reached';
  if (error.code === 'ENOTFOUND') return 'the address does not resolve';
  return `${error.code ?? 'error'}: ${error.message}`.slice(0, 200);
}

/** Server text in a message: one line, bounded, control characters removed. */
// eslint-disable-next-line no-control-regex -- control characters are exactly what must not reach a message
const quote = (text: string): string => JSON.stringify(text.replace(/[\u0000-\u001f\u007f]/g, ' ').slice(0, 200));

/** Reads CRLF lines from a socket, never holding more than MAX_REPLY_BYTES. */
class ReplyReader {
  private buffer = '';
  private waiting: { resolve: (line: string) => void; reject: (error: Error) => void } | undefined;
  private failure: Error | undefined;
  private readonly onData = (chunk: Buffer) => {
    this.buffer += chunk.toString('latin1');
    if (this.buffer.length > MAX_REPLY_BYTES) this.fail(new ProbeError('the server sent more than a mail server would; stopped reading'));
    this.pump();
  };
  private readonly onEnd = () => this.fail(new ProbeError('the server closed the connection'));

  constructor(private readonly socket: Socket) {
    socket.on('data', this.onData);
    socket.once('end', this.onEnd);
  }

  /** Stops reading, so the TLS layer gets the socket's bytes from here on. */
  detach(): void {
    this.socket.off('data', this.onData);
    this.socket.off('end', this.onEnd);
  }

  line(): Promise<string> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise<string>((resolve, reject) => {
      this.waiting = { resolve, reject };
      this.pump();
    });
  }

  /** One SMTP reply: continuation lines ("250-…") up to the last ("250 …"). */
  async smtpReply(): Promise<{ code: number; lines: string[]; text: string }> {
    const lines: string[] = [];
    for (;;) {
      const line = await this.line();
      lines.push(line);
      const match = /^(\d{3})([ -]|$)/.exec(line);
      if (!match) throw new ProbeError(`the server sent ${quote(line)}, which is not an SMTP reply`);
      if (match[2] !== '-') return { code: Number(match[1]), lines, text: lines.join(' ') };
      if (lines.length > 100) throw new ProbeError('the server sent an SMTP reply of more than 100 lines');
    }
  }

  private pump(): void {
    if (!this.waiting) return;
    const end = this.buffer.indexOf('\n');
    if (end < 0) return;
    const line = this.buffer.slice(0, end).replace(/\r$/, '');
    this.buffer = this.buffer.slice(end + 1);
    const { resolve } = this.waiting;
    this.waiting = undefined;
    resolve(line);
  }

  private fail(error: Error): void {
    this.failure ??= error;
    const waiting = this.waiting;
    this.waiting = undefined;
    waiting?.reject(error);
  }
}
