import { CopperError } from '../../../shared/contract';
import type { TlsHostSettings } from '../../../shared/contract/tls';
import type { ExecResult, ExecTarget } from '../exec/exec-target';
import { parseChainPem, type ParsedCertificate } from './certificate-info';
import type { DeployPlaces } from './deploy-places';
import {
  catArgv,
  CHAIN_FILE,
  DOVECOT_INCLUDE,
  NGINX_INCLUDE,
  parsePostconfValues,
  parseState,
  postconfEffectiveArgv,
  postconfExplicitArgv,
  readStateArgv,
  type PostfixSetting,
} from './deploy-layout';

/** What is on the server now, read without root. */
export interface RemoteState {
  present: Set<string>;
  current: ParsedCertificate | null;
  postfixEffective: Partial<Record<PostfixSetting, string>>;
  postfixExplicit: Partial<Record<PostfixSetting, string>>;
  dovecotInclude: string | null;
  nginxInclude: string | null;
}

/**
 * Reads what a deployment must know of the server, without root: files present, the certificate, Postfix settings,
 * includes. The files where they are written (the host), the settings where Postfix runs; without a Postfix (docker
 * mode, no container) its settings read as none, and the deployment changes none.
 */
export async function readRemote(places: DeployPlaces, settings: TlsHostSettings): Promise<RemoteState> {
  const target = places.files;
  const state = await runPlain(target, readStateArgv(), 'read the certificate files');
  const present = parseState(state.stdout);
  let current: ParsedCertificate | null = null;
  if (present.has(CHAIN_FILE)) {
    const text = await runPlain(target, catArgv(CHAIN_FILE), `read ${CHAIN_FILE}`);
    try {
      current = parseChainPem(text.stdout).certificates[0] ?? null;
    } catch {
      current = null; // not a certificate: the plan shows none, and the backup keeps the file anyway
    }
  }
  const postfix = places.postfix;
  const effective = postfix ? parsePostconfValues((await runPlain(postfix, postconfEffectiveArgv(), 'read the Postfix settings')).stdout) : {};
  const explicit = postfix ? parsePostconfValues((await runPlain(postfix, postconfExplicitArgv(), 'read the Postfix settings')).stdout) : {};
  const read = async (file: string, wanted: boolean) => (wanted && present.has(file) ? (await runPlain(target, catArgv(file), `read ${file}`)).stdout : null);
  return {
    present,
    current,
    postfixEffective: effective,
    postfixExplicit: explicit,
    dovecotInclude: await read(DOVECOT_INCLUDE, settings.dovecotConfig !== null),
    nginxInclude: await read(NGINX_INCLUDE, settings.nginxConfig !== null),
  };
}

export async function runPlain(target: ExecTarget, argv: string[], what: string): Promise<ExecResult> {
  const result = await target.run({ argv, timeoutMs: 30_000, maxOutputBytes: 1024 * 1024 });
  if (result.exitCode !== 0) throw new CopperError('COMMAND_FAILED', `Could not ${what} on ${target.description}: ${serverText(result.stderr || result.stdout)}`);
  return result;
}

/** Runs as root; the result says how it went (a reload that fails is an outcome, not an exception). */
export function runRoot(target: ExecTarget, argv: string[], stdin?: string): Promise<ExecResult> {
  return target.run({ argv, asRoot: true, timeoutMs: 60_000, maxOutputBytes: 256 * 1024, ...(stdin !== undefined ? { stdin } : {}) });
}

/** Runs as root and fails with the server's words when the program does. */
export async function runRootOrFail(target: ExecTarget, argv: string[], what: string, stdin?: string): Promise<void> {
  const result = await runRoot(target, argv, stdin);
  if (result.exitCode !== 0) throw new CopperError('COMMAND_FAILED', `Could not ${what} on ${target.description} (exit ${result.exitCode ?? result.exitSignal ?? '?'}): ${serverText(result.stderr || result.stdout)}`);
}

/** A server's words in a message: bounded, one line, control characters removed. */
export function serverText(text: string): string {
  // eslint-disable-next-line no-control-regex -- control characters are exactly what must not reach a message
  const line = text.replace(/[\u0000-\u001f\u007f]+/g, ' ').trim();
  return line.length > 300 ? `${line.slice(0, 300)}…` : line || '(no output)';
}
