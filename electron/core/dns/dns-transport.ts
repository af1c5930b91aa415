import { createSocket } from 'node:dgram';
import { connect } from 'node:net';
import { CopperError } from '../../../shared/contract';
import type { ResolverEndpoint } from './resolver-address';

interface Question {
  name: string;
  type: string;
  resolver: string;
}

const MAX_MESSAGE = 65_535;

/**
 * One query over UDP on a connected socket: the kernel then delivers only datagrams from the resolver's address and
 * port, and reports "port unreachable" as ECONNREFUSED instead of letting the console wait for the timeout. Datagrams
 * with another ID or without the response bit are ignored, not trusted.
 */
export function udpExchange(endpoint: ResolverEndpoint, query: Buffer, id: number, timeoutMs: number, question: Question, signal?: AbortSignal): Promise<Buffer> {
  return exchange(question, timeoutMs, signal, (settle) => {
    const socket = createSocket(endpoint.family === 6 ? 'udp6' : 'udp4');
    socket.on('error', (error) => settle.fail(networkError(error, endpoint, question, 'udp')));
    socket.on('message', (message) => {
      if (message.length >= 12 && message.readUInt16BE(0) === id && (message[2] ?? 0) & 0x80) settle.done(message);
    });
    socket.connect(endpoint.port, endpoint.host, () => socket.send(query));
    return () => {
      try {
        socket.close();
      } catch {
        // already closed after an error
      }
    };
  });
}

/** One query over TCP (RFC 1035 §4.2.2: each message prefixed with its two-byte length), for answers too big for UDP. */
export function tcpExchange(endpoint: ResolverEndpoint, query: Buffer, id: number, timeoutMs: number, question: Question, signal?: AbortSignal): Promise<Buffer> {
  return exchange(question, timeoutMs, signal, (settle) => {
    const socket = connect({ host: endpoint.host, port: endpoint.port, family: endpoint.family });
    let received = Buffer.alloc(0);
    socket.on('connect', () => {
      const length = Buffer.alloc(2);
      length.writeUInt16BE(query.length);
      socket.write(Buffer.concat([length, query]));
    });
    socket.on('data', (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      if (received.length > MAX_MESSAGE + 2) return settle.fail(tcpProblem(question, 'it sent more than one DNS message can hold'));
      if (received.length < 2) return;
      const length = received.readUInt16BE(0);
      if (received.length < length + 2) return;
      const message = received.subarray(2, length + 2);
      if (message.length < 12 || message.readUInt16BE(0) !== id) return settle.fail(tcpProblem(question, 'the answer does not belong to the question'));
      settle.done(message);
    });
    socket.on('end', () => settle.fail(tcpProblem(question, 'it closed the connection before answering')));
    socket.on('error', (error) => settle.fail(networkError(error, endpoint, question, 'tcp')));
    return () => socket.destroy();
  });
}

interface Settle {
  done(message: Buffer): void;
  fail(error: CopperError): void;
}

/** Runs one exchange with a timeout and cancel, settling once and always releasing the socket. */
function exchange(question: Question, timeoutMs: number, signal: AbortSignal | undefined, start: (settle: Settle) => () => void): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(cancelled(question));
    let settled = false;
    let release: () => void = () => undefined;
    const finish = (action: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      release();
      action();
    };
    const onAbort = () => finish(() => reject(cancelled(question)));
    const timer = setTimeout(
      () =>
        finish(() =>
          reject(
            new CopperError(
              'DNS_TIMEOUT',
              `The resolver ${question.resolver} did not answer within ${timeoutMs / 1000} s when asked for ${question.name} ${question.type}. Check that it is running and that this workstation may reach it; the console asks no other resolver.`,
              { ...question, timeoutMs },
            ),
          ),
        ),
      timeoutMs,
    );
    signal?.addEventListener('abort', onAbort, { once: true });
    release = start({ done: (message) => finish(() => resolve(message)), fail: (error) => finish(() => reject(error)) });
    if (settled) release();
  });
}

function networkError(error: Error & { code?: string }, endpoint: ResolverEndpoint, question: Question, transport: 'udp' | 'tcp'): CopperError {
  const why =
    error.code === 'ECONNREFUSED'
      ? 'nothing answers DNS there (connection refused)'
      : error.code === 'EHOSTUNREACH' || error.code === 'ENETUNREACH'
        ? 'there is no network route to it'
        : `the network reported ${error.code ?? error.message}`;
  // Over TCP only after a truncated UDP answer: the resolver runs, but does not take DNS over TCP, which RFC 7766 requires.
  const over = transport === 'tcp' ? ' over TCP (the answer was too big for UDP)' : '';
  return new CopperError(
    'DNS_UNREACHABLE',
    `The resolver ${endpoint.text} cannot be reached${over}: ${why}, asking for ${question.name} ${question.type}. Check that it is running and that the site’s resolver is right (copper site edit SITE --resolver IP[:PORT]).`,
    { ...question, reason: error.code ?? 'network', transport },
  );
}

function tcpProblem(question: Question, why: string): CopperError {
  return new CopperError(
    'DNS_BAD_RESPONSE',
    `The resolver ${question.resolver} sent an unusable answer over TCP for ${question.name} ${question.type}: ${why}.`,
    question,
  );
}

function cancelled(question: Question): CopperError {
  return new CopperError('CANCELLED', `The DNS check was cancelled while asking for ${question.name} ${question.type}.`);
}
