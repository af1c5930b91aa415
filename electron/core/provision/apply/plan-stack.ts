import type { PlannedChange, ProvisionPlan, ServiceAction, ServicePlan, StackSpec } from '../../../../shared/contract';
import { PROVISION_LABELS } from '../../../../shared/contract';
import { PREVIOUS_SUFFIX, readSpecLabel, short, specDifferences, type DesiredService } from './desired-stack';

/** One container of the stack as the engine reports it. */
export interface ObservedContainer {
  id: string;
  name: string;
  labels: Record<string, string>;
  running: boolean;
  /** The engine's state word: running, exited, created, restarting… */
  state: string;
  health: 'healthy' | 'unhealthy' | 'starting' | 'none';
  imageId: string;
}

export interface Observed {
  containers: ObservedContainer[];
  imageIds: Set<string>;
  volumes: Set<string>;
  secrets: Set<string>;
}

export type PlanBundle = ProvisionPlan['bundle'];

/**
 * The plan: for each service, in apply order, whether its container is created, replaced, started or kept, and why.
 * Deterministic for the same inputs (no clock, no IDs that change by themselves), because the plan's hash is what the
 * operator confirms and apply plans again before acting. Pure.
 */
export function planStack(host: string, stack: StackSpec, desired: DesiredService[], observed: Observed, bundle: PlanBundle): ProvisionPlan {
  const byName = new Map(observed.containers.map((c) => [c.name, c]));
  const ours = observed.containers.filter((c) => c.labels[PROVISION_LABELS.stack] === stack.name);
  const currentVersion = runningVersion(ours);
  const services: ServicePlan[] = desired.map((d) => {
    const current = byName.get(d.container);
    const previous = byName.get(d.container + PREVIOUS_SUFFIX);
    const { action, reasons } = decide(d, current, previous);
    return {
      service: d.service,
      container: d.container,
      action,
      reasons,
      image: { reference: d.reference, id: d.imageId },
      currentImageId: current?.imageId ?? null,
      currentVersion: current?.labels[PROVISION_LABELS.version] ?? null,
      dependsOn: d.dependsOn,
      checks: d.raw.ports.filter((p) => p.check).map((p) => `${p.check?.kind} ${checkAddress(p.hostIp)}:${p.hostPort}`),
    };
  });
  const missingImages = [...new Map(desired.filter((d) => !observed.imageIds.has(d.imageId)).map((d) => [d.imageId, { reference: d.reference, id: d.imageId }])).values()];
  const volumesToCreate = [...new Set(desired.flatMap((d) => d.spec.volumes.filter((v) => v.type === 'volume').map((v) => v.source)))].filter((v) => !observed.volumes.has(v)).sort();
  const secretsToGenerate = Object.keys(stack.secrets).filter((name) => !observed.secrets.has(name)).sort();
  const wanted = new Set(desired.map((d) => d.container));
  const leftovers = ours.filter((c) => c.name.endsWith(PREVIOUS_SUFFIX)).map((c) => c.name).sort();
  const strays = ours.filter((c) => !c.name.endsWith(PREVIOUS_SUFFIX) && !wanted.has(c.name)).map((c) => c.name).sort();

  const changes: PlannedChange[] = [
    ...secretsToGenerate.map((name) => ({ action: 'create' as const, target: `secret ${name}`, detail: 'generated into the console vault; never shown, logged or audited' })),
    ...volumesToCreate.map((name) => ({ action: 'create' as const, target: `volume ${name}`, detail: 'kept across updates and rollbacks' })),
    ...services.map((s) => ({ action: CHANGE_ACTION[s.action], target: `container ${s.container}`, detail: `${ACTION_WORDS[s.action]}: ${s.reasons.join('; ')}` })),
  ];
  const warnings: string[] = [];
  if (missingImages.length) {
    warnings.push(`${host}'s Docker engine lacks ${missingImages.map((i) => `${i.reference} (${short(i.id)})`).join(', ')}: push the bundle first (copper bundle push ${host} PATH). Apply refuses until then.`);
  }
  if (leftovers.length) warnings.push(`An earlier apply did not finish: ${leftovers.join(', ')} ${leftovers.length === 1 ? 'is' : 'are'} kept to roll back to, and removed once this apply succeeds.`);
  if (strays.length) warnings.push(`${strays.join(', ')} ${strays.length === 1 ? 'belongs' : 'belong'} to ${stack.name} but not to version ${stack.version}; left alone — stop ${strays.length === 1 ? 'it' : 'them'} in the containers view if no longer needed.`);
  const replaced = services.filter((s) => s.action === 'replace' || s.action === 'start').map((s) => s.container);
  if (replaced.length) warnings.push(`${replaced.join(', ')} stop${replaced.length === 1 ? 's' : ''} briefly: mail to this host is refused (senders retry) until the new container is healthy. On failure the previous containers are started again.`);
  const unchanged = services.every((s) => s.action === 'keep') && !volumesToCreate.length && !secretsToGenerate.length;
  const summary = unchanged
    ? `${host} already runs ${stack.name} ${stack.version}: nothing to change`
    : `Provision ${stack.name} ${stack.version} on ${host}${currentVersion && currentVersion !== stack.version ? ` (now ${currentVersion})` : ''}: ${counts(services)}`;
  return {
    summary,
    changes,
    warnings,
    destructive: false,
    host,
    bundle,
    currentVersion,
    services,
    volumesToCreate,
    secretsToGenerate,
    missingImages,
    leftovers,
    unchanged,
  };
}

function decide(d: DesiredService, current: ObservedContainer | undefined, previous: ObservedContainer | undefined): { action: ServiceAction; reasons: string[] } {
  if (!current) {
    return { action: 'create', reasons: [previous ? `an interrupted apply left only ${previous.name}` : 'not created yet'] };
  }
  if (current.labels[PROVISION_LABELS.specHash] !== d.specHash) {
    return { action: 'replace', reasons: specDifferences(readSpecLabel(current.labels), d.spec) };
  }
  if (current.imageId !== d.imageId) return { action: 'replace', reasons: [`runs image ${short(current.imageId)}, not ${short(d.imageId)}`] };
  if (!current.running) return { action: 'start', reasons: [`${current.state}, not running`] };
  if (current.health === 'unhealthy') return { action: 'start', reasons: ['running but unhealthy: restarted'] };
  if (current.health === 'starting') return { action: 'start', reasons: ['still starting: waited for'] };
  return { action: 'keep', reasons: ['runs as desired'] };
}

/** The version most of the stack's current containers say they came from. */
function runningVersion(ours: ObservedContainer[]): string | null {
  const versions = ours.filter((c) => !c.name.endsWith(PREVIOUS_SUFFIX)).map((c) => c.labels[PROVISION_LABELS.version]).filter((v): v is string => !!v);
  if (!versions.length) return null;
  const tally = new Map<string, number>();
  for (const v of versions) tally.set(v, (tally.get(v) ?? 0) + 1);
  return [...tally.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))[0]?.[0] ?? null;
}

/** A service published on every address is checked on the server's loopback. */
export const checkAddress = (hostIp: string) => (hostIp === '0.0.0.0' || hostIp === '' ? '127.0.0.1' : hostIp);

const CHANGE_ACTION: Record<ServiceAction, PlannedChange['action']> = { create: 'create', replace: 'update', start: 'update', keep: 'keep' };
const ACTION_WORDS: Record<ServiceAction, string> = { create: 'create', replace: 'replace', start: 'start', keep: 'leave alone' };

function counts(services: ServicePlan[]): string {
  const n = (action: ServiceAction) => services.filter((s) => s.action === action).length;
  return (['create', 'replace', 'start', 'keep'] as const)
    .filter((a) => n(a) > 0)
    .map((a) => `${n(a)} to ${ACTION_WORDS[a]}`)
    .join(', ');
}
