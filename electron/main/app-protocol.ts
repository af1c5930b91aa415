import { readFile } from 'node:fs/promises';
import { extname, isAbsolute, relative, resolve } from 'node:path';
import type { Protocol } from 'electron';
import { APP_SCHEME, isAppUrl } from './app-origin';
import { contentSecurityPolicy } from './window-options';

/**
 * Registers app:// as a standard, secure scheme. Must run before the app is ready.
 *
 * Must not change: `standard` gives the renderer a real origin (app://copper) instead of file://'s opaque one, which the
 * IPC sender check relies on; `secure` makes it a secure context. Fetch, CORS, service workers and CSP bypass stay off:
 * the renderer loads its own files and nothing else, and talks to the core only through window.copper.
 */
export function registerAppScheme(protocol: Pick<Protocol, 'registerSchemesAsPrivileged'>): void {
  protocol.registerSchemesAsPrivileged([
    {
      scheme: APP_SCHEME,
      privileges: {
        standard: true,
        secure: true,
        supportFetchAPI: false,
        corsEnabled: false,
        bypassCSP: false,
        allowServiceWorkers: false,
      },
    },
  ]);
}

const contentTypes: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
};

/** What to answer to one app:// request: decided without touching the disk, so every refusal can be unit-tested. */
export interface AppResponsePlan {
  status: 200 | 400 | 404 | 405;
  headers: Record<string, string>;
  /** The file to serve; null for every refusal. */
  filePath: string | null;
}

function securityHeaders(): Record<string, string> {
  return {
    'Content-Security-Policy': contentSecurityPolicy(),
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
    'Cross-Origin-Opener-Policy': 'same-origin',
    'Cache-Control': 'no-store',
  };
}

function refusal(status: AppResponsePlan['status']): AppResponsePlan {
  const headers = { ...securityHeaders(), 'Content-Type': 'text/plain; charset=utf-8' };
  if (status === 405) Object.assign(headers, { Allow: 'GET, HEAD' });
  return { status, headers, filePath: null };
}

function decode(text: string): string | null {
  try {
    return decodeURIComponent(text);
  } catch {
    return null;
  }
}

const DOT_SEGMENT = /(^|[/\\])\.\.?([/\\]|$)/;

/**
 * Maps a request URL to a file inside `rendererDir`, or to a refusal.
 *
 * Must not change: only host `copper`; no dot segments (raw, percent-encoded or after decoding), no backslashes, no NUL;
 * the resolved path must stay strictly inside the renderer folder; only known file types are served. Chromium already
 * normalises standard URLs, so a legitimate request never trips these checks: anything that does is refused outright.
 */
export function planAppResponse(rawUrl: string, rendererDir: string, method = 'GET'): AppResponsePlan {
  if (method !== 'GET' && method !== 'HEAD') return refusal(405);
  let url: URL;
  try {
    url = new URL(rawUrl);
  } catch {
    return refusal(400);
  }
  if (!isAppUrl(rawUrl) || url.port !== '') return refusal(404);

  // new URL() silently resolves "..", so look at what was actually asked for as well.
  const rawPath = rawUrl.replace(/^[^:]*:\/\/[^/?#]*/, '').split(/[?#]/, 1)[0] ?? '';
  const decodedRawPath = decode(rawPath);
  if (decodedRawPath === null) return refusal(400);
  if (DOT_SEGMENT.test(rawPath) || DOT_SEGMENT.test(decodedRawPath)) return refusal(404);

  const pathname = decode(url.pathname);
  if (pathname === null) return refusal(400);
  if (pathname.includes('\\') || pathname.includes('\0') || DOT_SEGMENT.test(pathname)) return refusal(404);

  const root = resolve(rendererDir);
  const filePath = resolve(root, `.${pathname === '/' ? '/index.html' : pathname}`);
  const inside = relative(root, filePath);
  if (inside === '' || inside.startsWith('..') || isAbsolute(inside)) return refusal(404);

  const contentType = contentTypes[extname(filePath).toLowerCase()];
  if (contentType === undefined) return refusal(404);
  return { status: 200, headers: { ...securityHeaders(), 'Content-Type': contentType }, filePath };
}

const reasons: Record<AppResponsePlan['status'], string> = {
  200: 'OK',
  400: 'Bad request.',
  404: 'Not found.',
  405: 'Only GET and HEAD are served.',
};

export type ReadRendererFile = (filePath: string) => Promise<Uint8Array>;

/** The app:// handler: the pure plan above, then the file read (a missing file or a folder is a 404, never an error page). */
export function createAppProtocolHandler(
  rendererDir: string,
  read: ReadRendererFile = readFile,
): (request: Pick<Request, 'url' | 'method'>) => Promise<Response> {
  return async (request) => {
    const plan = planAppResponse(request.url, rendererDir, request.method);
    if (plan.filePath === null) return new Response(`${reasons[plan.status]}\n`, { status: plan.status, headers: plan.headers });
    let body: Uint8Array;
    try {
      body = await read(plan.filePath);
    } catch {
      const notFound = refusal(404);
      return new Response(`${reasons[404]}\n`, { status: 404, headers: notFound.headers });
    }
    return new Response(request.method === 'HEAD' ? null : new Uint8Array(body), { status: 200, headers: plan.headers });
  };
}

/** Serves the built renderer on app://copper/. Call after the app is ready. */
export function installAppProtocol(protocol: Pick<Protocol, 'handle'>, rendererDir: string): void {
  protocol.handle(APP_SCHEME, createAppProtocolHandler(rendererDir));
}
