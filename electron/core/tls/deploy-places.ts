import { CopperError, type Host } from '../../../shared/contract';
import type { Container } from '../../../shared/contract/docker';
import type { TlsHostSettings } from '../../../shared/contract/tls';
import type { ExecTarget } from '../exec/exec-target';
import type { ExecTargets } from '../exec/exec-targets';
import { containersRunning } from '../fleet/docker-components';
import { parseChainPem } from './certificate-info';
import { catArgv, CHAIN_FILE, TLS_DIR } from './deploy-layout';

export type DeployedService = 'postfix' | 'dovecot' | 'nginx';

/** Lists a host's running containers (the Docker service's `containers(host, false)`). */
export type RunningContainers = (host: string, signal?: AbortSignal) => Promise<Container[]>;

/**
 * Where each part of a deployment runs. Native mode: everything on the host. Docker mode: the certificate files are
 * still written on the host, into /etc/copper/tls, which the Copper stack bind-mounts read-only into its mail and proxy
 * containers (resources/stacks/copper-1.0.0.json), so writing, backing up and rolling back files is the same in both
 * modes, with the same sudo rules. Everything that talks to a service (postconf, postfix reload, doveadm, nginx) runs
 * inside the container that runs it, through Docker exec: on the host those programs do not exist, or are another
 * server's.
 */
export interface DeployPlaces {
  files: ExecTarget;
  /** null: docker mode, and no running container runs the service: its settings are not read and it is not reloaded. */
  postfix: ExecTarget | null;
  dovecot: ExecTarget | null;
  nginx: ExecTarget | null;
  docker: boolean;
}

export interface PlacedSettings {
  places: DeployPlaces;
  /**
   * The settings as this deployment uses them: in docker mode a service without a container is treated as if its
   * configuration were none (its include is not written, it is not reloaded), as a native host without it would be.
   * Its port, if set, is still checked: a port the operator named must serve the certificate, whatever answers there.
   */
  settings: TlsHostSettings;
  /** What the plan warns about: services the settings expect but no running container runs. */
  warnings: string[];
}

const SERVICE_WORDS: Record<DeployedService, string> = { postfix: 'Postfix', dovecot: 'Dovecot', nginx: 'the reverse proxy (nginx)' };

export async function placeDeployment(host: Host, settings: TlsHostSettings, exec: ExecTargets, running: RunningContainers | null, signal?: AbortSignal): Promise<PlacedSettings> {
  if (host.mode === 'native') {
    const onHost = exec.onHost(host.name);
    return { places: { files: onHost, postfix: onHost, dovecot: onHost, nginx: onHost, docker: false }, settings, warnings: [] };
  }
  if (!running) {
    throw new CopperError('INVALID_INPUT', `${host.name} runs its mail services in containers (docker mode), and this console was started without access to Docker for certificate deployment. Use a console build that deploys to docker-mode hosts.`);
  }
  const containers = await running(host.name, signal);
  const inside = async (service: DeployedService): Promise<ExecTarget | null> => {
    const container = containersRunning(containers, service)[0];
    return container ? exec.inContainer(host.name, container.name.replace(/^\//, '')) : null;
  };
  const places: DeployPlaces = { files: exec.onHost(host.name), postfix: await inside('postfix'), dovecot: null, nginx: null, docker: true };
  if (settings.dovecotConfig !== null) places.dovecot = await inside('dovecot');
  if (settings.nginxConfig !== null) places.nginx = await inside('nginx');
  const warnings: string[] = [];
  const missing = (service: DeployedService, label: string) =>
    `No running container on ${host.name} runs ${SERVICE_WORDS[service]}, so it is not ${service === 'postfix' ? 'pointed at the certificate or reloaded' : 'reloaded'}. Start it, or label the container that runs it with copper.components=${label}${service === 'postfix' ? '' : `; if the host has none, set its configuration to none (copper tls configure ${host.name} --${service}-config none)`}.`;
  if (!places.postfix) warnings.push(missing('postfix', 'postfix'));
  if (settings.dovecotConfig !== null && !places.dovecot) warnings.push(missing('dovecot', 'dovecot'));
  if (settings.nginxConfig !== null && !places.nginx) warnings.push(missing('nginx', 'nginx'));
  return {
    places,
    settings: { ...settings, dovecotConfig: places.dovecot ? settings.dovecotConfig : null, nginxConfig: places.nginx ? settings.nginxConfig : null },
    warnings,
  };
}

/** "postfix in container copper-mail": where a service is reloaded, for the plan (docker mode only). */
export function whereReloaded(places: DeployPlaces, service: DeployedService): string {
  const target = places[service];
  if (!places.docker || !target) return service;
  const container = / \/ container (.+)$/.exec(target.description)?.[1];
  return container ? `${service} in container ${container}` : service;
}

/**
 * Docker mode: the containers that do not see the certificate the host has, i.e. do not mount its /etc/copper/tls.
 * The deployment writes on the host only, so such a container would go on serving its own files and every check of
 * its ports would fail (and roll back): the plan says so before anything is written.
 */
export async function containersNotSeeingHostFiles(places: DeployPlaces, hostFingerprint: string | null): Promise<string[]> {
  if (!places.docker || hostFingerprint === null) return [];
  const targets = new Map<string, ExecTarget>();
  for (const target of [places.postfix, places.dovecot, places.nginx]) if (target) targets.set(target.description, target);
  const warnings: string[] = [];
  for (const target of targets.values()) {
    let seen: string;
    try {
      const result = await target.run({ argv: catArgv(CHAIN_FILE), timeoutMs: 30_000, maxOutputBytes: 1024 * 1024 });
      seen = result.exitCode === 0 ? (parseChainPem(result.stdout).certificates[0]?.summary.fingerprintSha256 ?? 'no certificate') : 'no such file';
    } catch {
      seen = 'no certificate it could read';
    }
    if (seen !== hostFingerprint) {
      warnings.push(`${target.description} does not see the host's ${CHAIN_FILE} (it has ${seen.startsWith('no ') ? seen : `SHA-256 ${seen}`} there): the certificate is written on the host, so that container would go on serving its own and the deployment roll back. Bind-mount the host's ${TLS_DIR} read-only at ${TLS_DIR} in it, as the Copper stack does.`);
    }
  }
  return warnings;
}
