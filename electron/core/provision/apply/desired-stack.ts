import { createHash } from 'node:crypto';
import type Dockerode from 'dockerode';
import { canonicalJson } from '../../../../shared/canonical-json';
import { CopperError, PROVISION_LABELS, type StackService, type StackSpec } from '../../../../shared/contract';

/**
 * What a stack asks of one engine, service by service, in a form that can be compared with what runs: every container
 * carries its service's configuration (secret names, never values) and the hash of it as labels, so a later plan can
 * tell exactly what changed without the console remembering anything. Pure.
 */
export interface DesiredService {
  service: string;
  container: string;
  imageId: string;
  reference: string;
  /** The configuration that defines the container, canonical: what the spec label holds and the hash covers. */
  spec: ServiceSpecLabel;
  specHash: string;
  dependsOn: string[];
  raw: StackService;
}

/** The parts of a service that make its container; a change in any of them means a new container. */
export interface ServiceSpecLabel {
  imageId: string;
  command: string[] | null;
  user: string | null;
  networkMode: string;
  ports: Array<{ name: string; containerPort: number; hostPort: number; protocol: string; hostIp: string }>;
  volumes: Array<{ type: string; source: string; target: string; readOnly: boolean }>;
  /** Values as written in the stack; secrets as `{secret: name}`, so the label never holds a secret. */
  environment: Record<string, string | { secret: string }>;
  labels: Record<string, string>;
  healthcheck: StackService['healthcheck'] | null;
  restart: string;
}

export const PREVIOUS_SUFFIX = '-previous';
export const containerName = (stack: StackSpec, service: string) => `${stack.name}-${service}`;

/** Services in an order where each comes after what it depends on (the stack schema already refused cycles). */
export function applyOrder(stack: StackSpec): string[] {
  const order: string[] = [];
  const visit = (name: string) => {
    if (order.includes(name)) return;
    for (const dependency of stack.services[name]?.dependsOn ?? []) visit(dependency);
    order.push(name);
  };
  for (const name of Object.keys(stack.services).sort()) visit(name);
  return order;
}

export function desiredServices(stack: StackSpec): DesiredService[] {
  return applyOrder(stack).map((service) => {
    const raw = stack.services[service];
    if (!raw) throw new Error(`No service ${service}`);
    if (!raw.image.id) {
      throw new CopperError('BUNDLE_MALFORMED', `Service ${service} of stack ${stack.name} ${stack.version} names no image ID: only a stack from a bundle can be applied.`);
    }
    const spec: ServiceSpecLabel = {
      imageId: raw.image.id,
      command: raw.command ?? null,
      user: raw.user ?? null,
      networkMode: raw.networkMode ?? stack.networkMode,
      ports: raw.ports.map((p) => ({ name: p.name, containerPort: p.containerPort, hostPort: p.hostPort, protocol: p.protocol, hostIp: p.hostIp })),
      volumes: raw.volumes.map((v) => ({ type: v.type, source: v.source, target: v.target, readOnly: v.readOnly })),
      environment: raw.environment,
      labels: raw.labels,
      healthcheck: raw.healthcheck ?? null,
      restart: raw.restart,
    };
    return {
      service,
      container: containerName(stack, service),
      imageId: raw.image.id,
      reference: raw.image.reference,
      spec,
      specHash: createHash('sha256').update(canonicalJson(spec)).digest('hex'),
      dependsOn: raw.dependsOn,
      raw,
    };
  });
}

/** The spec label as it was written, or null when missing or not ours (an operator's hand-made container). */
export function readSpecLabel(labels: Record<string, string> | undefined): ServiceSpecLabel | null {
  const text = labels?.[PROVISION_LABELS.spec];
  if (!text) return null;
  try {
    return JSON.parse(text) as ServiceSpecLabel;
  } catch {
    return null;
  }
}

/** What differs between the running configuration and the desired one, in the operator's words. */
export function specDifferences(running: ServiceSpecLabel | null, desired: ServiceSpecLabel): string[] {
  if (!running) return ['its configuration is unknown (not created by this console)'];
  const reasons: string[] = [];
  if (running.imageId !== desired.imageId) reasons.push(`image ${short(desired.imageId)} replaces ${short(running.imageId)}`);
  const same = (a: unknown, b: unknown) => canonicalJson(a) === canonicalJson(b);
  if (!same(running.command, desired.command)) reasons.push('command changed');
  if (!same(running.user, desired.user)) reasons.push('user changed');
  if (running.networkMode !== desired.networkMode) reasons.push(`network ${running.networkMode} → ${desired.networkMode}`);
  if (!same(running.ports, desired.ports)) reasons.push('ports changed');
  if (!same(running.volumes, desired.volumes)) reasons.push('volumes changed');
  const names = new Set([...Object.keys(running.environment ?? {}), ...Object.keys(desired.environment)]);
  for (const name of [...names].sort()) {
    const before = running.environment?.[name];
    const after = desired.environment[name];
    if (before === undefined) reasons.push(`environment ${name} added`);
    else if (after === undefined) reasons.push(`environment ${name} removed`);
    else if (!same(before, after)) reasons.push(`environment ${name} changed`);
  }
  if (!same(running.labels, desired.labels)) reasons.push('labels changed');
  if (!same(running.healthcheck, desired.healthcheck)) reasons.push('health check changed');
  if (running.restart !== desired.restart) reasons.push(`restart policy ${running.restart} → ${desired.restart}`);
  return reasons.length ? reasons : ['configuration changed'];
}

/** sha256: and the first 12 hex digits, as `docker images` shows an ID. */
export const short = (imageId: string) => imageId.slice(0, 19);

const seconds = (s: number) => s * 1_000_000_000;

/**
 * The Engine API's create request for a service. Secret values come in here and go only to the engine (the container's
 * environment on the server): the labels carry secret names, so neither plan nor audit ever sees a value.
 */
export function createOptions(
  desired: DesiredService,
  stack: StackSpec,
  secretValue: (name: string) => string,
): Dockerode.ContainerCreateOptions {
  const { spec } = desired;
  const env = Object.entries(spec.environment).map(([name, value]) => `${name}=${typeof value === 'string' ? value : secretValue(value.secret)}`);
  const bridged = spec.networkMode === 'bridge';
  const options: Dockerode.ContainerCreateOptions = {
    name: desired.container,
    Image: desired.imageId,
    Env: env,
    Labels: {
      ...spec.labels,
      [PROVISION_LABELS.stack]: stack.name,
      [PROVISION_LABELS.service]: desired.service,
      [PROVISION_LABELS.version]: stack.version,
      [PROVISION_LABELS.specHash]: desired.specHash,
      [PROVISION_LABELS.spec]: canonicalJson(spec),
      [PROVISION_LABELS.image]: desired.reference,
    },
    HostConfig: {
      NetworkMode: spec.networkMode,
      RestartPolicy: { Name: spec.restart },
      Mounts: spec.volumes.map((v) => ({ Type: v.type as 'volume' | 'bind', Source: v.source, Target: v.target, ReadOnly: v.readOnly })),
      ...(bridged
        ? { PortBindings: Object.fromEntries(spec.ports.map((p) => [`${p.containerPort}/${p.protocol}`, [{ HostIp: p.hostIp, HostPort: String(p.hostPort) }]])) }
        : {}),
    },
    ...(bridged ? { ExposedPorts: Object.fromEntries(spec.ports.map((p) => [`${p.containerPort}/${p.protocol}`, {}])) } : {}),
  };
  if (spec.command) options.Cmd = spec.command;
  if (spec.user) options.User = spec.user;
  if (spec.healthcheck) {
    options.Healthcheck = {
      Test: ['CMD', ...spec.healthcheck.test],
      Interval: seconds(spec.healthcheck.intervalSeconds),
      Timeout: seconds(spec.healthcheck.timeoutSeconds),
      Retries: spec.healthcheck.retries,
      StartPeriod: seconds(spec.healthcheck.startPeriodSeconds),
    };
  }
  return options;
}

/**
 * How long apply waits for a service to become healthy: its start period and every retry, plus slack for a slow
 * engine. A service without a health check must merely keep running for a few seconds.
 */
export function healthDeadlineMs(desired: DesiredService): number {
  const check = desired.spec.healthcheck;
  if (!check) return 10_000;
  return (check.startPeriodSeconds + (check.intervalSeconds + check.timeoutSeconds) * (check.retries + 1)) * 1000 + 20_000;
}
