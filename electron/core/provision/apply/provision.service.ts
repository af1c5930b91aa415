import { randomInt } from 'node:crypto';
import type { Duplex } from 'node:stream';
import { setTimeout as delay } from 'node:timers/promises';
import type Dockerode from 'dockerode';
import {
  CopperError,
  PROVISION_LABELS,
  type OutsideCheck,
  type Progress,
  type ProvisionPlan,
  type ProvisionResult,
  type ProvisionStatus,
  type StackSpec,
} from '../../../../shared/contract';
import type { InventoryService } from '../../inventory/inventory.service';
import type { SecretStore } from '../../secrets/secret-store';
import { hostSecretRef } from '../../secrets/secret-store';
import type { SshPool } from '../../ssh/ssh-pool';
import { toDockerError } from '../../docker/docker-errors';
import { toHealth } from '../../docker/docker.service';
import { readBundleStack, type TrustedKey } from '../bundle/verify-bundle';
import { createOptions, desiredServices, healthDeadlineMs, PREVIOUS_SUFFIX, readSpecLabel, type DesiredService } from './desired-stack';
import { planStack, type Observed, type ObservedContainer, type PlanBundle } from './plan-stack';
import { outsideChecks } from './outside-checks';
import type { ProvisionStore } from './provision-store';

export type PushableBundle = Awaited<ReturnType<typeof readBundleStack>>;

export type DockerConnect = (host: string, signal?: AbortSignal) => Promise<Dockerode>;

export interface ProvisionServiceOptions {
  /** Between two looks at a container that is starting. Default 500 ms. */
  pollIntervalMs?: number;
}

interface Prepared {
  host: string;
  hostId: number;
  stack: StackSpec;
  desired: DesiredService[];
  observed: Observed;
  plan: ProvisionPlan;
  docker: Dockerode;
}

/** What apply changed for one service, so that rollback can undo exactly that. */
type Touched = { kind: 'new'; desired: DesiredService; id: string } | { kind: 'started'; desired: DesiredService; id: string; wasRunning: boolean };

class ServiceFailure extends Error {
  constructor(
    readonly service: string,
    message: string,
  ) {
    super(message);
  }
}

const PASSWORD_ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789';

/**
 * `provision.apply`: brings a host's Docker engine to the stack of a bundle. Every step is recorded as it happens, and
 * the containers that ran before are kept (renamed `…-previous`, stopped) until the new ones are healthy and answer
 * from outside; any failure puts the previous ones back. Because the plan is computed from what runs (labels carry
 * each container's configuration), re-running apply after a crash converges instead of starting over.
 */
export class ProvisionService {
  private readonly active = new Set<string>();
  private readonly pollIntervalMs: number;

  constructor(
    private readonly inventory: InventoryService,
    private readonly pool: SshPool,
    private readonly docker: DockerConnect,
    private readonly secrets: SecretStore,
    private readonly store: ProvisionStore,
    private readonly trustedKeys: () => TrustedKey[],
    options: ProvisionServiceOptions = {},
  ) {
    this.pollIntervalMs = options.pollIntervalMs ?? 500;
  }

  /** Before a push: a bundle whose stack cannot be applied is refused before a byte is sent. */
  async readPushable(path: string): Promise<PushableBundle> {
    return readBundleStack(path, this.trustedKeys());
  }

  /** After a successful push: the bundle is what `apply HOST` brings about from now on. */
  recordPush(host: string, path: string, stagingDir: string, bundle: PushableBundle): void {
    this.store.recordPush(this.inventory.getHost(host).name, { path, stagingDir, publisherKeyId: bundle.publisher.keyId, createdAt: bundle.manifest.createdAt, stack: bundle.stack });
  }

  async plan(input: { host: string; bundle?: string | undefined }, signal?: AbortSignal): Promise<ProvisionPlan> {
    return (await this.prepare(input, signal)).plan;
  }

  async status(hostName: string, signal?: AbortSignal): Promise<ProvisionStatus> {
    const host = this.inventory.getHost(hostName).name;
    const pushed = this.store.pushed(host);
    const docker = await this.docker(host, signal);
    const containers = await this.engine(host, () => this.observeContainers(docker, pushed?.stack.name ?? null, [], signal));
    const wanted = pushed ? new Map(desiredServices(pushed.stack).map((d) => [d.container, d.specHash])) : null;
    const ours = containers.filter((c) => c.labels[PROVISION_LABELS.stack]);
    const runs = this.store.runs(host, 50);
    const lastRun = runs[0] ?? null;
    const current = ours.filter((c) => !c.name.endsWith(PREVIOUS_SUFFIX));
    // A service an update left alone keeps the version it was created from: the host runs what the last apply achieved.
    const achieved = runs.find((r) => r.outcome === 'applied' || r.outcome === 'unchanged')?.stackVersion;
    const { stack: _stack, ...pushedInfo } = pushed ?? { stack: null };
    return {
      host,
      pushed: pushed ? (pushedInfo as NonNullable<ProvisionStatus['pushed']>) : null,
      runningVersion: current.length ? (achieved ?? current[0]?.labels[PROVISION_LABELS.version] ?? null) : null,
      containers: ours.map((c) => ({
        service: c.labels[PROVISION_LABELS.service] ?? c.name,
        container: c.name,
        id: c.id,
        state: c.state,
        health: c.health,
        restartCount: c.restartCount,
        imageId: c.imageId,
        image: c.labels[PROVISION_LABELS.image] ?? c.imageId,
        version: c.labels[PROVISION_LABELS.version] ?? '',
        matchesBundle: wanted ? wanted.get(c.name) === c.labels[PROVISION_LABELS.specHash] : null,
      })),
      lastRun,
      interrupted: this.interrupted(host),
    };
  }

  /** The last apply is marked running, but no live console process runs it. */
  private interrupted(host: string): boolean {
    const unfinished = this.store.unfinished(host);
    if (!unfinished || this.active.has(host.toLowerCase())) return false;
    return unfinished.pid === process.pid || !processAlive(unfinished.pid);
  }

  runs(host: string, limit: number) {
    return { runs: this.store.runs(this.inventory.getHost(host).name, limit) };
  }

  async apply(input: { host: string; bundle?: string | undefined }, actor: string, signal: AbortSignal, progress: (p: Progress) => void): Promise<ProvisionResult> {
    const started = Date.now();
    const key = this.inventory.getHost(input.host).name.toLowerCase();
    if (this.active.has(key)) throw new CopperError('IN_USE', `An apply is already running on ${input.host}. Wait for it to finish.`, { host: input.host });
    this.active.add(key);
    try {
      this.settleInterrupted(input.host);
      const prepared = await this.prepare(input, signal);
      const { host, plan, stack } = prepared;
      if (plan.missingImages.length) {
        throw new CopperError('PROVISION_IMAGES_MISSING', plan.warnings[0] ?? `Push the bundle to ${host} first.`, { host, images: plan.missingImages });
      }
      const runId = this.store.startRun(host, actor, stack.version, plan.currentVersion);
      const work = plan.services.filter((s) => s.action !== 'keep');
      const total = work.length + 2;
      let done = 0;
      const step = (text: string, advance = false) => {
        this.store.step(runId, text);
        if (advance) done++;
        progress({ step: 'apply', done, total, message: text });
      };
      const touched: Touched[] = [];
      try {
        const values = await this.ensureSecrets(prepared, step);
        await this.ensureVolumes(prepared, step, signal);
        step(`Prepared ${stack.name} ${stack.version} on ${host}`, true);
        for (const planned of work) {
          const desired = prepared.desired.find((d) => d.service === planned.service);
          if (!desired) continue;
          // Advances the progress itself when the service is healthy.
          await this.applyService(prepared, desired, planned.action, values, touched, step, signal);
        }
        step('Checking the services from outside the containers');
        const checks = await outsideChecks(stack, (address, port) => this.openFromServer(host, address, port), { secretValue: (name) => values.get(name) ?? '', signal });
        for (const check of checks) step(`${check.kind} ${check.address}:${check.port} (${check.service}): ${check.ok ? 'ok' : 'FAILED'} — ${check.detail}`);
        const failed = checks.find((c) => !c.ok);
        if (failed) throw new ServiceFailure(failed.service, `the ${failed.kind} check of ${failed.address}:${failed.port} failed: ${failed.detail}`);
        await this.removePrevious(prepared, step, signal);
        step(`${host} runs ${stack.name} ${stack.version}`, true);
        const outcome = work.length ? 'applied' : 'unchanged';
        this.store.finishRun(runId, outcome, null);
        return await this.result(prepared, runId, outcome, checks, started, signal);
      } catch (error) {
        const reason = signal.aborted ? 'the apply was cancelled' : error instanceof ServiceFailure || error instanceof CopperError ? error.message : String(error);
        const failedService = error instanceof ServiceFailure ? error.service : null;
        step(`Failed: ${reason}. Rolling back.`);
        let restored: string[];
        try {
          restored = await this.rollback(prepared, touched, step);
        } catch (rollbackError) {
          const why = rollbackError instanceof Error ? rollbackError.message : String(rollbackError);
          this.store.finishRun(runId, 'failed', `${reason}; rollback failed: ${why}`);
          throw new CopperError(
            'PROVISION_ROLLBACK_FAILED',
            `Provisioning ${stack.version} on ${host} failed (${reason}) and the rollback failed too (${why}). Look at the containers view, then apply again: the plan shows what is left.`,
            { host, failedService, reason, rollbackError: why },
          );
        }
        this.store.finishRun(runId, 'rolled-back', reason);
        throw new CopperError(
          'PROVISION_ROLLED_BACK',
          `Provisioning ${stack.name} ${stack.version} on ${host} failed${failedService ? ` at ${failedService}` : ''}: ${reason}. ${restored.length ? `The previous containers run again: ${restored.join(', ')}.` : 'Nothing ran before, so nothing was restored.'} Nothing was deleted; volumes are kept.`,
          { host, failedService, reason, restored, runId },
        );
      }
    } finally {
      this.active.delete(key);
    }
  }

  /**
   * A run still marked running belongs to another console process on this machine (the desktop app and the CLI share
   * the data folder): while that process lives, two applies would fight over the same containers, so this one refuses.
   * Once it is gone the run was cut off, and this apply converges from what it finds.
   */
  private settleInterrupted(host: string): void {
    const unfinished = this.store.unfinished(this.inventory.getHost(host).name);
    if (!unfinished) return;
    if (unfinished.pid !== process.pid && processAlive(unfinished.pid)) {
      throw new CopperError('IN_USE', `Another Copper Console process (PID ${unfinished.pid}) has been applying to ${host} since ${unfinished.startedAt}. Wait for it to finish, or stop that process.`, { host, pid: unfinished.pid });
    }
    this.store.finishRun(unfinished.id, 'failed', 'interrupted: the console stopped during the apply; the next apply converged from what it found');
  }

  private async prepare(input: { host: string; bundle?: string | undefined }, signal?: AbortSignal): Promise<Prepared> {
    const hostRecord = this.inventory.getHost(input.host);
    const host = hostRecord.name;
    const hostId = this.inventory.hostRow(host)?.id ?? 0;
    let stack: StackSpec;
    let bundle: PlanBundle;
    if (input.bundle) {
      const read = await readBundleStack(input.bundle, this.trustedKeys());
      stack = read.stack;
      bundle = { source: 'path', path: input.bundle, stackName: stack.name, stackVersion: stack.version, publisherKeyId: read.publisher.keyId, createdAt: read.manifest.createdAt };
    } else {
      const pushed = this.store.pushed(host);
      if (!pushed) {
        throw new CopperError('PROVISION_NO_BUNDLE', `No bundle was pushed to ${host} yet: push one (copper bundle push ${host} PATH), or give one with --bundle PATH.`, { host });
      }
      stack = pushed.stack;
      bundle = { source: 'pushed', path: pushed.path, stackName: pushed.stackName, stackVersion: pushed.stackVersion, publisherKeyId: pushed.publisherKeyId, createdAt: pushed.createdAt };
    }
    const desired = desiredServices(stack);
    const docker = await this.docker(host, signal);
    const observed = await this.engine(host, async () => {
      const names = desired.flatMap((d) => [d.container, d.container + PREVIOUS_SUFFIX]);
      const containers = await this.observeContainers(docker, stack.name, names, signal);
      const imageIds = new Set<string>();
      for (const id of new Set(desired.map((d) => d.imageId))) {
        const found = await docker
          .getImage(id)
          .inspect()
          .then((info) => info.Id)
          .catch((error: { statusCode?: number }) => {
            if (error.statusCode === 404) return null;
            throw error;
          });
        if (found === id) imageIds.add(id);
      }
      const volumes = new Set(((await docker.listVolumes({ abortSignal: signal })).Volumes ?? []).map((v) => v.Name));
      const secrets = new Set<string>();
      for (const name of Object.keys(stack.secrets)) if ((await this.secrets.get(secretRef(hostId, stack, name))) !== undefined) secrets.add(name);
      return { containers, imageIds, volumes, secrets };
    });
    return { host, hostId, stack, desired, observed, plan: planStack(host, stack, desired, observed, bundle), docker };
  }

  /** The stack's containers (by label) and any container holding one of its names, inspected for health and image. */
  private async observeContainers(docker: Dockerode, stackName: string | null, names: string[], signal?: AbortSignal): Promise<Array<ObservedContainer & { restartCount: number | null }>> {
    const listed = await docker.listContainers({ all: true, abortSignal: signal });
    const wanted = listed.filter((c) => (stackName !== null && c.Labels?.[PROVISION_LABELS.stack] === stackName) || (stackName === null && c.Labels?.[PROVISION_LABELS.stack]) || c.Names.some((n) => names.includes(n.replace(/^\//, ''))));
    const result: Array<ObservedContainer & { restartCount: number | null }> = [];
    for (const c of wanted) {
      const info = await docker.getContainer(c.Id).inspect({ abortSignal: signal });
      result.push({
        id: info.Id,
        name: info.Name.replace(/^\//, ''),
        labels: info.Config.Labels ?? {},
        running: info.State.Running,
        state: info.State.Status,
        health: toHealth(info.State.Health?.Status),
        imageId: info.Image,
        restartCount: info.RestartCount ?? null,
      });
    }
    return result.sort((a, b) => a.name.localeCompare(b.name));
  }

  private async ensureSecrets(prepared: Prepared, step: (text: string) => void): Promise<Map<string, string>> {
    const values = new Map<string, string>();
    for (const [name, spec] of Object.entries(prepared.stack.secrets)) {
      const ref = secretRef(prepared.hostId, prepared.stack, name);
      let value = await this.secrets.get(ref);
      if (value === undefined) {
        value = Array.from({ length: spec.generate.length }, () => PASSWORD_ALPHABET[randomInt(PASSWORD_ALPHABET.length)]).join('');
        await this.secrets.set(ref, value);
        step(`Generated secret ${name} into the vault`);
      }
      values.set(name, value);
    }
    return values;
  }

  private async ensureVolumes(prepared: Prepared, step: (text: string) => void, signal: AbortSignal): Promise<void> {
    for (const name of prepared.plan.volumesToCreate) {
      await this.engine(prepared.host, () => prepared.docker.createVolume({ Name: name, Labels: { [PROVISION_LABELS.stack]: prepared.stack.name }, abortSignal: signal } as Dockerode.VolumeCreateOptions));
      step(`Created volume ${name}`);
    }
  }

  private async applyService(
    prepared: Prepared,
    desired: DesiredService,
    action: 'create' | 'replace' | 'start' | 'keep',
    secrets: Map<string, string>,
    touched: Touched[],
    step: (text: string, advance?: boolean) => void,
    signal: AbortSignal,
  ): Promise<void> {
    const { docker, host } = prepared;
    const name = desired.container;
    const observed = await this.engine(host, () => this.observeContainers(docker, prepared.stack.name, [name, name + PREVIOUS_SUFFIX], signal));
    const current = observed.find((c) => c.name === name);
    const previous = observed.find((c) => c.name === name + PREVIOUS_SUFFIX);
    if (action === 'start' && current) {
      touched.push({ kind: 'started', desired, id: current.id, wasRunning: current.running });
      if (current.health === 'unhealthy') {
        step(`Restarting ${name} (unhealthy)`);
        await this.engine(host, () => docker.getContainer(current.id).restart({ abortSignal: signal }));
      } else if (!current.running) {
        step(`Starting ${name}`);
        await this.engine(host, () => docker.getContainer(current.id).start({ abortSignal: signal }));
      }
      await this.waitHealthy(prepared, desired, current.id, step, signal);
      return;
    }
    if (current) {
      if (previous) {
        // An earlier apply already set the container that ran before aside: this one is its unfinished successor.
        step(`Removing ${name} left by an interrupted apply (${previous.name} is kept to roll back to)`);
        await this.engine(host, () => docker.getContainer(current.id).remove({ force: true, abortSignal: signal }));
      } else {
        step(`Stopping ${name} (${current.labels[PROVISION_LABELS.version] ?? 'unknown version'}) and keeping it as ${name}${PREVIOUS_SUFFIX}`);
        if (current.running) await this.engine(host, () => docker.getContainer(current.id).stop({ abortSignal: signal }));
        await this.engine(host, () => docker.getContainer(current.id).rename({ name: name + PREVIOUS_SUFFIX, abortSignal: signal }));
      }
    }
    step(`Creating ${name} from ${desired.reference}`);
    const { name: _name, ...body } = createOptions(desired, prepared.stack, (secret) => secrets.get(secret) ?? '');
    // docker-modem would put every create option into the URL as well; only the name goes there, the environment (with
    // its secrets) travels in the body alone, so no request log on the server can show it.
    const request = { _query: { name }, _body: body, abortSignal: signal } as unknown as Dockerode.ContainerCreateOptions;
    const created = await this.engine(host, () => docker.createContainer(request));
    touched.push({ kind: 'new', desired, id: created.id });
    step(`Starting ${name}`);
    await this.engine(host, () => created.start({ abortSignal: signal }));
    await this.waitHealthy(prepared, desired, created.id, step, signal);
  }

  /**
   * Until the engine's health check passes (or, without one, the container keeps running a few seconds). Fails early on
   * `unhealthy` or a container that keeps dying, naming the last health check output or exit code.
   */
  private async waitHealthy(prepared: Prepared, desired: DesiredService, id: string, step: (text: string, advance?: boolean) => void, signal: AbortSignal): Promise<void> {
    await this.waitFor(prepared.host, prepared.docker, { service: desired.service, container: desired.container, hasCheck: !!desired.spec.healthcheck, deadlineMs: healthDeadlineMs(desired), restart: desired.spec.restart }, id, step, signal);
  }

  private async waitFor(
    host: string,
    docker: Dockerode,
    target: { service: string; container: string; hasCheck: boolean; deadlineMs: number; restart: string },
    id: string,
    step: (text: string, advance?: boolean) => void,
    signal: AbortSignal,
  ): Promise<void> {
    const name = target.container;
    const deadline = Date.now() + target.deadlineMs;
    const hasCheck = target.hasCheck;
    step(hasCheck ? `Waiting for ${name} to become healthy` : `Waiting for ${name} to keep running`);
    let runningSince: number | null = null;
    for (;;) {
      if (signal.aborted) throw new CopperError('CANCELLED', 'The apply was cancelled.');
      const info = await this.engine(host, () => docker.getContainer(id).inspect({ abortSignal: signal }));
      const health = toHealth(info.State.Health?.Status);
      const lastLog = info.State.Health?.Log?.at(-1);
      const output = lastLog ? ` (last check, exit ${lastLog.ExitCode}: ${lastLog.Output.trim().slice(-300) || 'no output'})` : '';
      if (hasCheck && health === 'healthy') {
        step(`${name} is healthy`, true);
        return;
      }
      if (!hasCheck && info.State.Running) {
        runningSince ??= Date.now();
        if (Date.now() - runningSince >= 3000) {
          step(`${name} runs`, true);
          return;
        }
      }
      if (health === 'unhealthy') throw new ServiceFailure(target.service, `${name} is unhealthy${output}`);
      if ((info.RestartCount ?? 0) >= 3 || (!info.State.Running && !info.State.Restarting && info.State.Status === 'exited' && target.restart === 'no')) {
        throw new ServiceFailure(target.service, `${name} keeps stopping (exit code ${info.State.ExitCode}, restarted ${info.RestartCount} times)${output}`);
      }
      if (Date.now() >= deadline) {
        throw new ServiceFailure(target.service, `${name} did not become healthy within ${Math.round(target.deadlineMs / 1000)} s (${info.State.Status}, health ${health})${output}`);
      }
      await delay(this.pollIntervalMs, undefined, { signal }).catch(() => {});
    }
  }

  /**
   * Undoes what this apply did, newest first: a new container is removed and the one it replaced (`…-previous`) gets
   * its name back and is started; a container this apply only started is stopped again if it was stopped before.
   * Runs even after a cancel, on its own deadline: leaving a host half-updated is worse than finishing the rollback.
   */
  private async rollback(prepared: Prepared, touched: Touched[], step: (text: string) => void): Promise<string[]> {
    const { docker, host } = prepared;
    const restored: string[] = [];
    const signal = AbortSignal.timeout(5 * 60_000);
    for (const item of [...touched].reverse()) {
      const name = item.desired.container;
      if (item.kind === 'started') {
        if (!item.wasRunning) {
          await this.engine(host, () => docker.getContainer(item.id).stop({ abortSignal: signal })).catch(() => {});
          step(`Stopped ${name} again`);
        }
        continue;
      }
      await this.engine(host, () => docker.getContainer(item.id).remove({ force: true, abortSignal: signal })).catch((error: unknown) => {
        if (!(error instanceof CopperError && error.code === 'NOT_FOUND')) throw error;
      });
      step(`Removed the new ${name}`);
      const previous = (await this.engine(host, () => this.observeContainers(docker, prepared.stack.name, [name + PREVIOUS_SUFFIX], signal))).find((c) => c.name === name + PREVIOUS_SUFFIX);
      if (!previous) continue;
      await this.engine(host, () => docker.getContainer(previous.id).rename({ name, abortSignal: signal }));
      await this.engine(host, () => docker.getContainer(previous.id).start({ abortSignal: signal })).catch((error: unknown) => {
        // 304: it was already running.
        if ((error as { statusCode?: number }).statusCode !== 304) throw error;
      });
      const version = previous.labels[PROVISION_LABELS.version] ?? 'unknown version';
      step(`Restored ${name} (${version})`);
      restored.push(`${name} (${version})`);
    }
    // Wait for what was restored, by its own health check, so the operator is told the state it is really in.
    for (const item of touched) {
      if (item.kind !== 'new') continue;
      const info = await this.engine(host, () => docker.getContainer(item.desired.container).inspect({ abortSignal: signal })).catch(() => null);
      if (!info) continue;
      const test = info.Config.Healthcheck?.Test ?? [];
      const own = readSpecLabel(info.Config.Labels ?? {});
      const target = {
        service: item.desired.service,
        container: item.desired.container,
        hasCheck: test.length > 0 && test[0] !== 'NONE',
        deadlineMs: own ? healthDeadlineMs({ ...item.desired, spec: own }) : 60_000,
        restart: own?.restart ?? 'unless-stopped',
      };
      await this.waitFor(host, docker, target, info.Id, () => {}, signal).then(
        () => step(`${item.desired.container} is back`),
        (error: unknown) => step(`${item.desired.container} was restored but is not healthy yet: ${(error as Error).message}`),
      );
    }
    return restored;
  }

  private async removePrevious(prepared: Prepared, step: (text: string) => void, signal: AbortSignal): Promise<void> {
    const all = await this.engine(prepared.host, () => this.observeContainers(prepared.docker, prepared.stack.name, [], signal));
    for (const container of all.filter((c) => c.name.endsWith(PREVIOUS_SUFFIX))) {
      await this.engine(prepared.host, () => prepared.docker.getContainer(container.id).remove({ force: true, abortSignal: signal }));
      step(`Removed ${container.name} (volumes kept)`);
    }
  }

  private async result(prepared: Prepared, runId: number, outcome: 'applied' | 'unchanged', checks: OutsideCheck[], started: number, signal: AbortSignal): Promise<ProvisionResult> {
    const containers = await this.engine(prepared.host, () => this.observeContainers(prepared.docker, prepared.stack.name, [], signal));
    return {
      host: prepared.host,
      runId,
      stackVersion: prepared.stack.version,
      previousVersion: prepared.plan.currentVersion,
      outcome,
      services: prepared.plan.services.map((s) => {
        const c = containers.find((x) => x.name === s.container);
        return { service: s.service, container: s.container, action: s.action, containerId: c?.id ?? '', health: c?.health ?? 'none' };
      }),
      checks,
      durationMs: Date.now() - started,
    };
  }

  /** Direct TCP from the server (ssh direct-tcpip): what a client on the server's network sees, no container involved. */
  private async openFromServer(host: string, address: string, port: number): Promise<Duplex> {
    const connection = await this.pool.connection(host);
    return new Promise<Duplex>((resolve, reject) =>
      connection.client.forwardOut('127.0.0.1', 0, address, port, (error, stream) => (error ? reject(new Error(`${address}:${port} refused the connection from ${host} (${error.message})`)) : resolve(stream))),
    );
  }

  /** Engine calls turned into the errors operators read (DOCKER_UNAVAILABLE, NOT_FOUND…). */
  private async engine<T>(host: string, work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      if (error instanceof ServiceFailure || error instanceof CopperError) throw error;
      throw toDockerError(error, { host, container: undefined, socketPath: this.inventory.getHost(host).dockerSocket });
    }
  }
}

/** Signal 0 tests for existence only; EPERM means it exists under another user. */
function processAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Per host and stack: a second stack on the same host, or the same stack on another host, never shares a password. */
const secretRef = (hostId: number, stack: StackSpec, name: string) => hostSecretRef(hostId, `provision/${stack.name}/${name}`);
