import type { Host } from '../../../shared/contract';
import { TLS_LISTENERS, type TlsHostSettings, type TlsListener, type TlsListenerCheck } from '../../../shared/contract/tls';
import { servedFingerprint } from './served-certificate';

export interface CheckOptions {
  /** How long the checks wait for every listener to serve what is expected (reloaded processes take a moment). */
  verifyTimeoutMs?: number;
  probeTimeoutMs?: number;
  signal?: AbortSignal;
}

/** What a listener must serve: a fingerprint, or null for "whatever it serves, if anything" (it served nothing before). */
export type Expectation = (listener: TlsListener) => string | null;

/**
 * Looks at every configured listener once. Without expectations it only records what each serves (a listener that does
 * not answer is then a problem); with them, each check says whether the listener serves what it should.
 */
export async function checkListeners(host: Host, settings: TlsHostSettings, expected: Expectation | null, options: CheckOptions = {}): Promise<TlsListenerCheck[]> {
  const address = settings.address ?? host.ssh.address;
  const serverName = host.mailNames[0] ?? null;
  const listeners = TLS_LISTENERS.filter((l) => settings.ports[l] !== null);
  return Promise.all(
    listeners.map(async (listener): Promise<TlsListenerCheck> => {
      const port = settings.ports[listener] as number;
      const want = expected ? expected(listener) : null;
      try {
        const served = await servedFingerprint({ listener, address, port, serverName }, { timeoutMs: options.probeTimeoutMs ?? 8_000, ...(options.signal ? { signal: options.signal } : {}) });
        const ok = want === null || served === want;
        return { listener, address, port, servedFingerprintSha256: served, expectedFingerprintSha256: want, ok, problem: ok ? null : `served SHA-256 ${served}, not ${want}` };
      } catch (error) {
        // Nothing answered before, nothing answers now: the listener is as it was (a rollback only restores).
        const ok = expected !== null && want === null;
        return { listener, address, port, servedFingerprintSha256: null, expectedFingerprintSha256: want, ok, problem: error instanceof Error ? error.message : String(error) };
      }
    }),
  );
}

/**
 * Checks every configured listener until each serves what `expected` says, or the time is up: reloaded services
 * replace their processes over a second or two, so a first look may still see the old certificate.
 */
export async function checkUntilServed(host: Host, settings: TlsHostSettings, expected: Expectation, options: CheckOptions = {}): Promise<TlsListenerCheck[]> {
  const deadline = Date.now() + (options.verifyTimeoutMs ?? 20_000);
  let checks = await checkListeners(host, settings, expected, options);
  while (checks.some((c) => !c.ok) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 500));
    checks = await checkListeners(host, settings, expected, options);
  }
  return checks;
}
