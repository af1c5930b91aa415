#!/usr/bin/env node
// Lab tool: a tiny SMTP server on 127.0.0.1 that defers every recipient with a hostile reply (HTML/JS, ANSI escapes,
// quotes, invalid UTF-8). Postfix's smtp client copies that reply into the deferral reason, which is how hostile
// text reaches `postqueue -j` the way it would from a real remote server.
// Module (startHostileSmtp) or CLI: `node scripts/lab/hostile-smtp.mjs [--port 2526]` (runs until interrupted).
import net from 'node:net';
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';

const ESC = '\x1b';

/**
 * The RCPT reply, one JS char per byte (written as latin1, so \xff\xfe go out as those raw bytes: invalid UTF-8).
 * Multi-line on purpose: Postfix joins the lines, and tests should see the joined form.
 */
export const HOSTILE_REPLY = [
  '450-4.7.1 <script>alert("reason")</script> <img src=x onerror=alert(2)>',
  `450 4.7.1 ${ESC}[31mANSI red${ESC}[0m 'single' "double" \`back\` bad-utf8:\xff\xfe end`,
].join('\r\n');

function replyFor(line) {
  const verb = line.slice(0, 4).toUpperCase();
  if (verb === 'EHLO') return '250-hostile.lab\r\n250 PIPELINING';
  if (verb === 'HELO' || verb === 'MAIL' || verb === 'RSET' || verb === 'NOOP') return '250 2.0.0 ok';
  if (verb === 'RCPT') return HOSTILE_REPLY;
  if (verb === 'DATA') return '554 5.5.1 no valid recipients';
  if (verb === 'QUIT') return '221 2.0.0 bye';
  return '502 5.5.2 not implemented';
}

function serve(socket) {
  let buffer = '';
  socket.setEncoding('latin1');
  socket.on('error', () => socket.destroy()); // Postfix may reset the connection; nothing to report
  socket.write('220 hostile.lab ESMTP\r\n', 'latin1');
  socket.on('data', (chunk) => {
    buffer += chunk;
    let eol;
    while ((eol = buffer.indexOf('\r\n')) !== -1) {
      const line = buffer.slice(0, eol);
      buffer = buffer.slice(eol + 2);
      socket.write(`${replyFor(line)}\r\n`, 'latin1');
      if (/^QUIT/i.test(line)) socket.end();
    }
  });
}

/** Starts the responder; `close()` stops listening and drops open connections. */
export function startHostileSmtp({ port = 2526, host = '127.0.0.1' } = {}) {
  const sockets = new Set();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    serve(socket);
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () =>
      resolve({
        port,
        close: () =>
          new Promise((done) => {
            for (const s of sockets) s.destroy();
            server.close(() => done());
          }),
      }),
    );
  });
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { values } = parseArgs({ options: { port: { type: 'string', default: '2526' } } });
  const responder = await startHostileSmtp({ port: Number(values.port) });
  console.error(`hostile SMTP responder on 127.0.0.1:${responder.port} (Ctrl-C stops it)`);
  process.on('SIGINT', () => responder.close().then(() => process.exit(0)));
  process.on('SIGTERM', () => responder.close().then(() => process.exit(0)));
}
