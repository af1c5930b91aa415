import { CopperError, HostCheck, type ComponentStatus, type Container, type Progress } from '../../../shared/contract';
import type { Db } from '../db/database';
import type { Clock } from '../app/clock';
import type { DockerService } from '../docker/docker.service';
import type { InventoryService } from '../inventory/inventory.service';
import { HostExecTarget } from '../exec/host-exec-target';
import type { SshPool } from '../ssh/ssh-pool';
import { toCopperError } from '../router/router';
import { HOST_CHECK_SCRIPT } from './host-check-script';
import { hostCheckWarnings, parseHostCheckOutput } from './host-check-parser';
import { componentsFromContainers } from './docker-components';

/** Host checks and the fleet overview: what runs where, and whether it is healthy. */
export class FleetService {
  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly inventory: InventoryService,
    private readonly pool: SshPool,
    private readonly docker: DockerService,
  ) {}

  async check(hostName: string, signal?: AbortSignal): Promise<HostCheck> {
    const host = this.inventory.getHost(hostName);
    const base: HostCheck = {
      host: host.name,
      site: host.site,
      mode: host.mode,
      checkedAt: this.clock.now().toISOString(),
      reachable: false,
      latencyMs: null,
      error: null,
      os: null,
      kernel: null,
      uptimeSeconds: null,
      load: null,
      memory: null,
      disks: [],
      components: [],
      warnings: [],
      unparsed: [],
    };
    let result: HostCheck;
    try {
      const connection = await untilAborted(this.pool.connection(host.name), signal, host.name);
      const target = new HostExecTarget(this.pool, connection.host);
      const started = Date.now();
      await target.run({ argv: ['true'], timeoutMs: 10_000, ...(signal ? { signal } : {}) });
      const latencyMs = Date.now() - started;
      const output = await target.run({ argv: ['sh', '-c', HOST_CHECK_SCRIPT], timeoutMs: 30_000, maxOutputBytes: 4 * 1024 * 1024, ...(signal ? { signal } : {}) });
      const parsed = parseHostCheckOutput(output.stdout);
      result = { ...base, ...parsed, reachable: true, latencyMs };
      if (host.mode === 'docker') {
        try {
          const containers: Container[] = await this.docker.containers(host.name, true, signal);
          const dockerVersion = parsed.components.find((c) => c.name === 'docker')?.version ?? null;
          result.components = mergeComponents(parsed.components, componentsFromContainers(containers, { dockerVersion }));
        } catch (error) {
          if (signal?.aborted) throw error;
          const problem = toCopperError(error);
          result.components = parsed.components.map((c) =>
            c.name === 'docker' ? { ...c, running: c.running === 'yes' ? 'yes' : 'unknown', detail: problem.message } : c,
          );
          result.error = { code: problem.code, message: problem.message };
        }
      }
      result.warnings = hostCheckWarnings(result);
      // The parser's extra facts (e.g. the CPU count for the load warning) are not part of a stored check.
      result = HostCheck.parse(result);
    } catch (error) {
      const problem = toCopperError(error, signal);
      if (problem.code === 'CANCELLED') throw problem;
      result = { ...base, error: { code: problem.code, message: problem.message }, warnings: [problem.message] };
    }
    this.remember(host.name, result);
    return result;
  }

  async status(
    options: { site?: string | undefined; concurrency: number },
    signal?: AbortSignal,
    progress?: (p: Progress) => void,
  ): Promise<HostCheck[]> {
    const hosts = this.inventory.listHosts(options.site ? { site: options.site } : {});
    const results: HostCheck[] = new Array(hosts.length);
    let next = 0;
    let done = 0;
    progress?.({ step: 'check', done: 0, total: hosts.length, message: `Checking ${hosts.length} hosts` });
    const worker = async () => {
      while (next < hosts.length) {
        if (signal?.aborted) throw new CopperError('CANCELLED', 'The fleet check was cancelled.');
        const index = next++;
        const host = hosts[index];
        if (!host) continue;
        results[index] = await this.check(host.name, signal);
        done++;
        progress?.({ step: 'check', done, total: hosts.length, message: `Checked ${host.name} (${done} of ${hosts.length})` });
      }
    };
    await Promise.all(Array.from({ length: Math.min(options.concurrency, hosts.length) }, worker));
    return results;
  }

  /** The last stored check of every host, for the overview's last-seen times, without contacting any server. */
  last(): HostCheck[] {
    const rows = this.db
      .prepare('SELECT c.result FROM host_checks c JOIN hosts h ON h.id = c.host_id ORDER BY h.name COLLATE NOCASE')
      .all() as Array<{ result: string }>;
    return rows.map((row) => JSON.parse(row.result) as HostCheck);
  }

  private remember(hostName: string, check: HostCheck): void {
    const row = this.inventory.hostRow(hostName);
    if (!row) return; // Deleted while being checked.
    this.db
      .prepare('INSERT INTO host_checks (host_id, checked_at, result) VALUES (?, ?, ?) ON CONFLICT(host_id) DO UPDATE SET checked_at = excluded.checked_at, result = excluded.result')
      .run(row.id, check.checkedAt, JSON.stringify(check));
  }
}

/**
 * Docker mode: a component counts as found where either the host itself or one of its containers shows it, preferring
 * whichever shows it running. Operators mix both (e.g. Postfix on the host, webmail in a container).
 */
export function mergeComponents(native: ComponentStatus[], containers: ComponentStatus[]): ComponentStatus[] {
  const rank = (c: ComponentStatus | undefined) =>
    !c ? -1 : c.running === 'yes' ? 3 : c.present === 'yes' ? 2 : c.present === 'unknown' || c.running === 'unknown' ? 1 : 0;
  const names = [...new Set([...containers.map((c) => c.name), ...native.map((c) => c.name)])];
  return names.map((name) => {
    const fromContainer = containers.find((c) => c.name === name);
    const onHost = native.find((c) => c.name === name);
    return (rank(fromContainer) >= rank(onHost) ? fromContainer : onHost) ?? (onHost as ComponentStatus);
  });
}

/** Lets a caller stop waiting on a connection the moment it cancels; the connection attempt itself times out alone. */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal | undefined, host: string): Promise<T> {
  if (!signal) return promise;
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(new CopperError('CANCELLED', `The check of ${host} was cancelled.`));
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}
