import assert from 'node:assert/strict';
import { createSocket, type Socket } from 'node:dgram';
import { createServer, type Server } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { decode, encode } from 'dns-packet';
import { CopperError } from '../../../shared/contract';
import { ResolverClient } from './dns-client';
import { parseResolverAddress } from './resolver-address';

/**
 * A hostile responder on 127.0.0.1 (like scripts/lab/hostile-smtp.mjs): it answers each question the way its name
 * asks, so the client's defences against what a network can send are proven. The lab BIND server covers honest answers
 * (test/integration/dns.test.ts).
 */
type Behaviour = (query: Buffer, reply: (message: Buffer) => void) => void;

const header = (query: Buffer, flags: number, rest: Buffer = Buffer.alloc(0)) => {
  const message = Buffer.concat([query.subarray(0, 12), query.subarray(12), rest]);
  message.writeUInt16BE(flags, 2);
  return message;
};

const behaviours: Record<string, Behaviour> = {
  // A forged answer with another ID first, then the real one: only the real one may count.
  'forged.example': (query, reply) => {
    const packet = decode(query);
    const answer = (id: number, text: string) =>
      encode({ type: 'response', id, flags: 0x8180, questions: packet.questions ?? [], answers: [{ type: 'TXT', name: 'forged.example', data: [Buffer.from(text)] }] });
    reply(answer(((packet.id ?? 0) + 1) % 65536, 'v=spf1 +all'));
    reply(answer(packet.id ?? 0, 'v=spf1 -all'));
  },
  'garbage.example': (query, reply) => reply(Buffer.concat([query.subarray(0, 2), Buffer.from([0x81, 0x80, 0, 1, 0, 9, 0, 0, 0, 0, 0xff, 0xff])])),
  'other-question.example': (query, reply) => {
    const packet = decode(query);
    reply(encode({ type: 'response', id: packet.id ?? 0, flags: 0x8180, questions: [{ type: 'TXT', name: 'somewhere.else' }], answers: [] }));
  },
  'servfail.example': (query, reply) => reply(header(query, 0x8182)),
  'refused.example': (query, reply) => reply(header(query, 0x8185)),
  'silent.example': () => undefined,
  // Truncated over UDP: the whole answer is only over TCP.
  'truncated.example': (query, reply) => reply(header(query, 0x8380)),
};

/** Over TCP the responder sends the answer one byte at a time: framing must not depend on how the stream is cut. */
function tcpAnswer(query: Buffer): Buffer {
  const packet = decode(query);
  const strings = Array.from({ length: 8 }, (_, i) => Buffer.from(`${i}${'z'.repeat(250)}`));
  return encode({ type: 'response', id: packet.id ?? 0, flags: 0x8180, questions: packet.questions ?? [], answers: [{ type: 'TXT', name: 'truncated.example', data: strings }] });
}

describe('the resolver client against a hostile responder', () => {
  let responder: Socket;
  let tcp: Server;
  let client: ResolverClient;
  before(async () => {
    responder = createSocket('udp4');
    responder.on('message', (query, peer) => {
      const name = decode(query).questions?.[0]?.name ?? '';
      behaviours[name]?.(query, (message) => responder.send(message, peer.port, peer.address));
    });
    await new Promise<void>((resolve) => responder.bind(0, '127.0.0.1', resolve));
    tcp = createServer((connection) => {
      let received = Buffer.alloc(0);
      connection.on('data', (chunk: Buffer) => {
        received = Buffer.concat([received, chunk]);
        if (received.length < 2 || received.length < received.readUInt16BE(0) + 2) return;
        const answer = tcpAnswer(received.subarray(2, received.readUInt16BE(0) + 2));
        const framed = Buffer.concat([Buffer.from([answer.length >> 8, answer.length & 0xff]), answer]);
        for (const byte of framed) connection.write(Buffer.from([byte]));
        connection.end();
      });
    });
    // The TCP port must be the UDP port's number; when another process holds it, the test cannot run as designed.
    await new Promise<void>((resolve, reject) => {
      tcp.once('error', reject);
      tcp.listen(responder.address().port, '127.0.0.1', resolve);
    });
    client = new ResolverClient(parseResolverAddress(`127.0.0.1:${responder.address().port}`), { timeoutMs: 300, udpAttempts: 1 });
  });
  after(() => {
    responder.close();
    tcp.close();
  });

  const failure = async (name: string): Promise<CopperError> => {
    try {
      await client.lookup(name, 'TXT');
    } catch (error) {
      assert.ok(error instanceof CopperError, String(error));
      return error;
    }
    assert.fail(`${name} should have failed`);
  };

  test('an answer with another ID is ignored; the real one is used', async () => {
    const lookup = await client.lookup('forged.example', 'TXT');
    assert.deepEqual(lookup.records.map((r) => (r.type === 'TXT' ? Buffer.concat(r.strings).toString() : '')), ['v=spf1 -all']);
  });

  test('bytes that do not decode are an unusable answer, not a crash', async () => {
    const error = await failure('garbage.example');
    assert.equal(error.code, 'DNS_BAD_RESPONSE');
    assert.match(error.message, /could not be decoded/);
  });

  test('an answer to another question is refused', async () => {
    const error = await failure('other-question.example');
    assert.equal(error.code, 'DNS_BAD_RESPONSE');
    assert.match(error.message, /answers a different question \(somewhere\.else TXT\)/);
  });

  test('SERVFAIL and REFUSED are named as such', async () => {
    assert.equal((await failure('servfail.example')).code, 'DNS_SERVFAIL');
    assert.equal((await failure('refused.example')).code, 'DNS_REFUSED');
  });

  test('silence is a timeout naming the resolver, and a cancel stops the wait at once', async () => {
    const timeout = await failure('silent.example');
    assert.equal(timeout.code, 'DNS_TIMEOUT');
    assert.match(timeout.message, new RegExp(`resolver 127\\.0\\.0\\.1:${responder.address().port} did not answer within 0\\.3 s`));
    const slow = new ResolverClient(parseResolverAddress(`127.0.0.1:${responder.address().port}`), { timeoutMs: 10_000 });
    const controller = new AbortController();
    const started = Date.now();
    setTimeout(() => controller.abort(), 50);
    await assert.rejects(slow.lookup('silent.example', 'TXT', controller.signal), (error: unknown) => error instanceof CopperError && error.code === 'CANCELLED');
    assert.ok(Date.now() - started < 2_000);
  });

  test('a name DNS cannot carry is refused before anything is sent', async () => {
    await assert.rejects(client.lookup(`${'a'.repeat(64)}.example`, 'TXT'), (error: unknown) => error instanceof CopperError && error.code === 'INVALID_INPUT');
  });

  test('a truncated UDP answer is asked again over TCP, however the stream is cut', async () => {
    const lookup = await client.lookup('truncated.example', 'TXT');
    assert.equal(lookup.transport, 'tcp');
    assert.equal(lookup.records[0]?.type === 'TXT' ? lookup.records[0].strings.length : 0, 8);
  });

  test('a resolver that truncates but takes no TCP is named as unreachable over TCP', async () => {
    const udpOnly = createSocket('udp4');
    udpOnly.on('message', (query, peer) => udpOnly.send(header(query, 0x8380), peer.port, peer.address));
    await new Promise<void>((resolve) => udpOnly.bind(0, '127.0.0.1', resolve));
    try {
      const noTcp = new ResolverClient(parseResolverAddress(`127.0.0.1:${udpOnly.address().port}`), { timeoutMs: 1_000 });
      await assert.rejects(noTcp.lookup('truncated.example', 'TXT'), (error: unknown) => {
        assert.ok(error instanceof CopperError);
        assert.equal(error.code, 'DNS_UNREACHABLE');
        assert.match(error.message, /cannot be reached over TCP \(the answer was too big for UDP\)/);
        return true;
      });
    } finally {
      udpOnly.close();
    }
  });
});
