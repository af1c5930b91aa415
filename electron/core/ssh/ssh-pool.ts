import { Client, utils, type ConnectConfig } from 'ssh2';
import type { Duplex } from 'node:stream';
import { CopperError, type Host } from '../../../shared/contract';
import type { InventoryService } from '../inventory/inventory.service';
import { hostSecretRef, type SecretStore } from '../secrets/secret-store';
import { fingerprintOf, keyTypeOf } from './host-key';
import { sshError } from './ssh-errors';

export interface SshPoolOptions {
  connectTimeoutMs?: number;
  keepaliveIntervalMs?: number;
  /** ssh-agent socket (SSH_AUTH_SOCK, or "pageant" on Windows) for hosts that log in with the agent. */
  agent?: string | undefined;
}

/** A live, authenticated SSH connection to one host, shared by every feature that talks to it. */
export interface SshConnection {
  readonly host: Host;
  readonly client: Client;
  /** Milliseconds the connection took to become ready (TCP, key exchange, login). */
  readonly connectMs: number;
}

interface Entry {
  signature: string;
  connection: Promise<SshConnection>;
}

/**
 * One pooled SSH connection per host. Host keys are checked against the pin on every connect: an unknown key or a key
 * different from the pinned one refuses the connection (HOST_KEY_UNKNOWN / HOST_KEY_MISMATCH) before any login is sent.
 * That check must never be weakened or made optional.
 */
export class SshPool {
  private readonly entries = new Map<string, Entry>();
  private closed = false;

  constructor(
    private readonly inventory: InventoryService,
    private readonly secrets: SecretStore,
    private readonly options: SshPoolOptions = {},
  ) {}

  /** The pooled connection to a host, opened (through its jump hosts) when there is none or the host record changed. */
  connection(hostName: string): Promise<SshConnection> {
    if (this.closed) return Promise.reject(new CopperError('CONNECTION_LOST', 'The console is shutting down.'));
    const host = this.inventory.getHost(hostName);
    const key = host.name.toLowerCase();
    const signature = `${host.updatedAt}|${host.pinnedFingerprint ?? ''}`;
    const existing = this.entries.get(key);
    if (existing && existing.signature === signature) return existing.connection;
    if (existing) void existing.connection.then((c) => c.client.end(), () => undefined);
    const connection = this.open(host, 'pinned');
    const entry = { signature, connection };
    this.entries.set(key, entry);
    connection.then(
      (c) => {
        const forget = () => {
          if (this.entries.get(key) === entry) this.entries.delete(key);
        };
        c.client.once('close', forget);
        c.client.once('end', forget);
      },
      () => {
        if (this.entries.get(key) === entry) this.entries.delete(key);
      },
    );
    return connection;
  }

  /** The key a server presents, without logging in: for the trust step. Jump hosts are used (and must be trusted). */
  async probe(hostName: string): Promise<{ fingerprint: string; keyType: string }> {
    const host = this.inventory.getHost(hostName);
    let presented: { fingerprint: string; keyType: string } | undefined;
    try {
      const connection = await this.open(host, (key) => {
        presented = { fingerprint: fingerprintOf(key), keyType: keyTypeOf(key) };
        return false; // Never log in while probing.
      });
      connection.client.end();
    } catch (error) {
      if (!presented) throw error;
    }
    if (!presented) throw new CopperError('HOST_UNREACHABLE', `${describe(host)} presented no host key.`);
    return presented;
  }

  /** Forget a host's connection (after its record changed, or after an error that makes it suspect). */
  drop(hostName: string): void {
    const key = hostName.toLowerCase();
    const entry = this.entries.get(key);
    this.entries.delete(key);
    void entry?.connection.then((c) => c.client.end(), () => undefined);
  }

  closeAll(): void {
    this.closed = true;
    for (const entry of this.entries.values()) void entry.connection.then((c) => c.client.end(), () => undefined);
    this.entries.clear();
  }

  private async open(host: Host, verify: 'pinned' | ((key: Buffer) => boolean)): Promise<SshConnection> {
    const target = describe(host);
    let sock: Duplex | undefined;
    if (host.jumpHost) {
      const jump = await this.connection(host.jumpHost).catch((error: unknown) => {
        const inner = error instanceof CopperError ? error : sshError(error, host.jumpHost ?? '');
        throw new CopperError('JUMP_HOST_FAILED', `${host.name} is reached through ${host.jumpHost}, which failed: ${inner.message}`, {
          jumpHost: host.jumpHost,
          cause: inner.code,
        });
      });
      sock = await new Promise<Duplex>((resolve, reject) =>
        jump.client.forwardOut('127.0.0.1', 0, host.ssh.address, host.ssh.port, (error, stream) =>
          error ? reject(sshError(Object.assign(error, { code: 'ECONNREFUSED' }), target, host.jumpHost ?? undefined)) : resolve(stream),
        ),
      );
    }

    let keyProblem: CopperError | undefined;
    const hostVerifier = (key: Buffer): boolean => {
      if (verify !== 'pinned') return verify(key);
      const presented = fingerprintOf(key);
      if (host.pinnedFingerprint === null) {
        keyProblem = new CopperError(
          'HOST_KEY_UNKNOWN',
          `The host key of ${host.name} is not trusted yet (it presents ${presented}). Compare it with the server's own \`ssh-keygen -lf\` output, then trust it.`,
          { host: host.name, presented },
        );
        return false;
      }
      if (presented !== host.pinnedFingerprint) {
        keyProblem = new CopperError(
          'HOST_KEY_MISMATCH',
          `The host key of ${host.name} changed (pinned ${host.pinnedFingerprint}, presented ${presented}). The connection was refused. If the server was reinstalled, verify the new key and trust it; otherwise treat this as an attack.`,
          { host: host.name, pinned: host.pinnedFingerprint, presented },
        );
        return false;
      }
      return true;
    };

    const config: ConnectConfig = {
      host: host.ssh.address,
      port: host.ssh.port,
      username: host.ssh.user,
      readyTimeout: this.options.connectTimeoutMs ?? 10_000,
      keepaliveInterval: this.options.keepaliveIntervalMs ?? 15_000,
      keepaliveCountMax: 3,
      hostVerifier,
      ...(sock ? { sock } : {}),
      ...(verify === 'pinned' ? await this.credentials(host) : {}),
    };

    const client = new Client();
    const started = Date.now();
    return new Promise<SshConnection>((resolve, reject) => {
      let ready = false;
      client.once('ready', () => {
        ready = true;
        resolve({ host, client, connectMs: Date.now() - started });
      });
      const noAgent = verify === 'pinned' && host.auth === 'agent' && !config.agent;
      client.on('error', (error: Error & { level?: string }) => {
        if (ready) return; // Later errors end the connection; 'close' removes it from the pool.
        if (keyProblem) return reject(keyProblem);
        if (noAgent && error.level === 'client-authentication') {
          return reject(
            new CopperError('AUTH_FAILED', `${host.name} logs in with the SSH agent, but no agent is running (SSH_AUTH_SOCK is not set). Start ssh-agent and add the key, or store a key for the host.`),
          );
        }
        if (/before handshake/i.test(error.message) || (error as { code?: string }).code === 'ECONNRESET') {
          return reject(
            new CopperError('HOST_UNREACHABLE', `${target} closed the connection before the SSH handshake: is an SSH server listening there, and does it accept this workstation?`),
          );
        }
        reject(sshError(error, target, host.jumpHost ?? undefined));
      });
      client.once('close', () => {
        if (!ready) reject(keyProblem ?? new CopperError('HOST_UNREACHABLE', `${target} closed the connection before the login finished.`));
      });
      try {
        client.connect(config);
      } catch (error) {
        reject(sshError(error, target));
      }
    });
  }

  private async credentials(host: Host): Promise<Partial<ConnectConfig>> {
    const secret = (kind: string) => this.secrets.get(hostSecretRef(hostId(this.inventory, host.name), kind));
    if (host.auth === 'password') {
      const password = await secret('password');
      if (!password) throw missingSecret(host, 'password');
      return { password };
    }
    if (host.auth === 'key') {
      const privateKey = await secret('privateKey');
      if (!privateKey) throw missingSecret(host, 'private key');
      const passphrase = await secret('keyPassphrase');
      const parsed = utils.parseKey(privateKey, passphrase);
      if (parsed instanceof Error) {
        const encrypted = /encrypted|passphrase|decrypt/i.test(parsed.message);
        throw new CopperError(
          encrypted ? 'KEY_PASSPHRASE_WRONG' : 'INVALID_INPUT',
          encrypted
            ? `The private key of ${host.name} is encrypted and ${passphrase ? 'the stored passphrase does not open it' : 'no passphrase is stored'}. Edit the host and enter the key's passphrase.`
            : `The private key stored for ${host.name} cannot be read (${parsed.message}). Edit the host and add an OpenSSH private key.`,
        );
      }
      return { privateKey, ...(passphrase ? { passphrase } : {}) };
    }
    const agent = this.options.agent ?? (process.platform === 'win32' ? 'pageant' : process.env.SSH_AUTH_SOCK);
    // Without an agent the login is still attempted (and fails), so an unreachable host is reported as unreachable.
    return agent ? { agent } : {};
  }
}

function hostId(inventory: InventoryService, name: string): number {
  const row = inventory.hostRow(name);
  if (!row) throw new CopperError('NOT_FOUND', `There is no host named ${name}.`);
  return row.id;
}

function missingSecret(host: Host, what: string): CopperError {
  return new CopperError('AUTH_FAILED', `No ${what} is stored for ${host.name}. Edit the host and enter it.`);
}

function describe(host: Host): string {
  return `${host.name} (${host.ssh.user}@${host.ssh.address}:${host.ssh.port})`;
}
