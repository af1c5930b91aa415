import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createReadStream, existsSync, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize, sep } from 'node:path';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Core } from '../../core/app/core';

export interface BrowserShellOptions {
  core: Core;
  rendererDir: string;
  actor: string;
  port?: number;
  /** Fixed token for tests; random otherwise. */
  token?: string;
}

export interface BrowserShell {
  url: string;
  port: number;
  token: string;
  close(): Promise<void>;
}

const COOKIE = 'copper_session';
const MAX_MESSAGE_BYTES = 8 * 1024 * 1024;
const types: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.woff2': 'font/woff2',
};

/**
 * The browser shell: the built renderer and the core over a WebSocket. Security rules that must not be loosened:
 * - listen on 127.0.0.1 only;
 * - every request carries the random token (in the printed URL once, then as an HttpOnly SameSite=Strict cookie);
 * - the Host header must name our loopback address (defeats DNS rebinding), the WebSocket Origin must be our own;
 * - a strict CSP, no inline scripts.
 */
export async function startBrowserShell(options: BrowserShellOptions): Promise<BrowserShell> {
  const token = options.token ?? randomBytes(32).toString('base64url');
  let port = 0;
  const allowedHosts = () => [`127.0.0.1:${port}`, `localhost:${port}`];
  const allowedOrigins = () => allowedHosts().map((h) => `http://${h}`);

  const csp = () =>
    [
      "default-src 'self'",
      "script-src 'self'",
      // Mantine writes its theme variables into <style> elements at runtime.
      "style-src 'self' 'unsafe-inline'",
      "img-src 'self' data:",
      "font-src 'self' data:",
      `connect-src 'self' ${allowedHosts().map((h) => `ws://${h}`).join(' ')}`,
      "object-src 'none'",
      "base-uri 'none'",
      "frame-ancestors 'none'",
      "form-action 'none'",
    ].join('; ');

  const hasToken = (req: IncomingMessage, url: URL): 'query' | 'cookie' | null => {
    const fromQuery = url.searchParams.get('token');
    if (fromQuery !== null && same(fromQuery, token)) return 'query';
    const cookie = parseCookies(req.headers.cookie)[COOKIE];
    if (cookie !== undefined && same(cookie, token)) return 'cookie';
    return null;
  };

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (!allowedHosts().includes(req.headers.host ?? '')) return refuse(res, 421, 'This address is not served here.');
    const auth = hasToken(req, url);
    if (!auth) {
      return refuse(res, 401, 'Copper Console: open the full address printed by `copper serve` (it carries the access token).');
    }
    if (auth === 'query') {
      // Move the token from the address bar into a cookie, so it is not left in history or shown on screen.
      res.writeHead(303, {
        'Set-Cookie': `${COOKIE}=${token}; HttpOnly; SameSite=Strict; Path=/`,
        Location: '/',
        'Cache-Control': 'no-store',
      });
      res.end();
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') return refuse(res, 405, 'Only GET is served.');
    serveStatic(options.rendererDir, url.pathname, res, csp());
  });

  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_MESSAGE_BYTES });
  server.on('upgrade', (req, socket, head) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const ok =
      url.pathname === '/ws' &&
      allowedHosts().includes(req.headers.host ?? '') &&
      allowedOrigins().includes(req.headers.origin ?? '') &&
      hasToken(req, url) !== null;
    if (!ok) {
      socket.end('HTTP/1.1 403 Forbidden\r\nConnection: close\r\n\r\n');
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => attach(ws));
  });

  const sockets = new Set<WebSocket>();
  function attach(ws: WebSocket): void {
    sockets.add(ws);
    const session = options.core.openSession(options.actor, (message) => {
      if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(message));
    });
    ws.on('message', (data, isBinary) => {
      if (isBinary) return;
      let parsed: unknown;
      try {
        parsed = JSON.parse(data.toString());
      } catch {
        parsed = null;
      }
      session.handle(parsed);
    });
    ws.on('close', () => {
      sockets.delete(ws);
      session.close();
    });
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/?token=${token}`,
    port,
    token,
    close: () =>
      new Promise<void>((resolve) => {
        for (const ws of sockets) ws.terminate();
        wss.close();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function serveStatic(root: string, pathname: string, res: ServerResponse, csp: string): void {
  let relative: string;
  try {
    relative = decodeURIComponent(pathname);
  } catch {
    return refuse(res, 400, 'Bad path.');
  }
  if (relative === '/' || relative === '') relative = '/index.html';
  const file = normalize(join(root, relative));
  if (!file.startsWith(root.endsWith(sep) ? root : root + sep) || !existsSync(file) || !statSync(file).isFile()) {
    return refuse(res, 404, 'Not found.');
  }
  res.writeHead(200, {
    'Content-Type': types[extname(file)] ?? 'application/octet-stream',
    'Content-Security-Policy': csp,
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
    'Cross-Origin-Opener-Policy': 'same-origin',
    'Cache-Control': 'no-store',
  });
  createReadStream(file).pipe(res);
}

function refuse(res: ServerResponse, status: number, message: string): void {
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store' });
  res.end(`${message}\n`);
}

function parseCookies(header: string | undefined): Record<string, string> {
  const cookies: Record<string, string> = {};
  for (const part of (header ?? '').split(';')) {
    const index = part.indexOf('=');
    if (index > 0) cookies[part.slice(0, index).trim()] = part.slice(index + 1).trim();
  }
  return cookies;
}

function same(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}
