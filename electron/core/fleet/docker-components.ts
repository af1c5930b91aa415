/**
 * Docker mode: which Copper components a host's containers provide, from their images, names and labels. Pure.
 *
 * How a container is matched, first rule that applies:
 * 1. A `copper.components` label ("postfix,dovecot,rspamd,clamd") says exactly what an image runs. Images we build
 *    should carry it; nothing else is then guessed.
 * 2. Helpers are not the component they serve: exporters, admin UIs and backup jobs (redis_exporter, phpmyadmin,
 *    postfixadmin…) match nothing.
 * 3. A component's own name in the image, the Compose service (or the container name outside Compose) or the image
 *    title label: postfix, dovecot, rspamd, clamav/clamd, openldap/slapd/ldap, redis/valkey, mariadb/mysql,
 *    roundcube/snappymail/sogo/webmail. One container may match several (an image titled "Postfix + Dovecot").
 * 4. Otherwise an all-in-one mail server ("mailserver", "mail"; e.g. docker-mailserver) counts as Postfix and Dovecot,
 *    which such images always run. Rspamd and ClamAV are optional in them, so they are counted only when named (rule 1
 *    or 3).
 * The Compose service is used instead of the container name because Compose names containers PROJECT-SERVICE-N, and a
 * project called "mail" would otherwise make every one of its containers look like a mail server.
 *
 * The reverse proxy (nginx) is found the same way (the label, or "nginx" in a name) but is no fleet component: the host
 * check does not report it. Features that act on it (certificate deployment reloads it) ask `containersRunning` for it.
 * Finding it never changes what the other components are, nor their versions.
 */
import type { Container } from '../../../shared/contract/docker';
import type { ComponentName, ComponentStatus, TriState } from '../../../shared/contract/fleet';

export const COMPONENTS_LABEL = 'copper.components';
const COMPOSE_SERVICE_LABEL = 'com.docker.compose.service';
const TITLE_LABELS = ['org.opencontainers.image.title', 'org.label-schema.name'];

const ORDER: ComponentName[] = ['postfix', 'dovecot', 'rspamd', 'clamd', 'slapd', 'redis', 'mariadb', 'webmail'];

/** What runs in a container: a fleet component, or the reverse proxy (found for the features that reload it). */
export type ContainerService = Exclude<ComponentName, 'docker'> | 'nginx';
const NGINX: Keywords = { contained: ['nginx'], words: [] };

interface Keywords {
  /** Found anywhere in a name ("roundcubemail" contains "roundcube"). */
  contained: string[];
  /** Found only as a whole word between separators ("ldap" in "my-ldap", not in "phpldapadmin"). */
  words: string[];
}

const COMPONENT_KEYWORDS: Record<Exclude<ComponentName, 'docker'>, Keywords> = {
  postfix: { contained: ['postfix'], words: [] },
  dovecot: { contained: ['dovecot'], words: [] },
  rspamd: { contained: ['rspamd'], words: [] },
  clamd: { contained: ['clamav', 'clamd'], words: [] },
  slapd: { contained: ['openldap', 'slapd'], words: ['ldap'] },
  redis: { contained: [], words: ['redis', 'valkey'] },
  mariadb: { contained: ['mariadb', 'mysql'], words: [] },
  webmail: { contained: ['roundcube', 'snappymail'], words: ['sogo', 'webmail'] },
};
const ALL_IN_ONE: Keywords = { contained: ['mailserver'], words: ['mail'] };
const ALL_IN_ONE_COMPONENTS: ComponentName[] = ['postfix', 'dovecot'];
const HELPER_KEYWORDS = ['exporter', 'commander', 'insight', 'phpmyadmin', 'phpldapadmin', 'postfixadmin', 'adminer', 'account-manager', 'backup'];

/** A tag that names a version (7.2, 1.6.5-apache, v2.3.1), not a channel (latest, stable, edge). */
const VERSION_TAG = /^v?\d+(?:\.\d+){0,3}(?:[-+_~][0-9A-Za-z][0-9A-Za-z.+_~-]*)?$/;
const NOT_RUNNING_STATES = new Set(['created', 'restarting', 'removing', 'paused', 'exited', 'dead']);

export interface ImageReference {
  /** The path without registry host, tag or digest: "docker-mailserver/docker-mailserver". Empty for a bare image ID. */
  repository: string;
  tag: string | null;
}

export function parseImageReference(image: string): ImageReference {
  const withoutDigest = image.split('@')[0] ?? '';
  if (/^sha256:[0-9a-f]+$/i.test(withoutDigest) || withoutDigest === '') return { repository: '', tag: null };
  const lastSlash = withoutDigest.lastIndexOf('/');
  const lastColon = withoutDigest.lastIndexOf(':');
  const hasTag = lastColon > lastSlash;
  const path = hasTag ? withoutDigest.slice(0, lastColon) : withoutDigest;
  const tag = hasTag ? withoutDigest.slice(lastColon + 1) : null;
  const parts = path.split('/');
  const first = parts[0] ?? '';
  const isRegistry = parts.length > 1 && (first.includes('.') || first.includes(':') || first === 'localhost');
  return { repository: (isRegistry ? parts.slice(1) : parts).join('/').toLowerCase(), tag: tag === '' ? null : tag };
}

interface Match {
  container: Container;
  components: Set<ComponentName>;
  /** The components and the reverse proxy: what `containersRunning` looks for. */
  services: Set<ContainerService>;
  /** The image tag is the version only when the image is one component; in an all-in-one it is the bundle's. */
  versionFromTag: string | null;
}

export function componentsFromContainers(containers: readonly Container[], options: { dockerVersion?: string | null } = {}): ComponentStatus[] {
  const matches = containers.map(matchContainer);
  const statuses = ORDER.map((name) => statusOf(name, matches.filter((match) => match.components.has(name))));
  const running = containers.filter((container) => stateOf(container) === 'running').length;
  const docker: ComponentStatus = {
    name: 'docker',
    present: 'yes',
    running: 'yes',
    version: options.dockerVersion && VERSION_TAG.test(options.dockerVersion) ? options.dockerVersion : null,
    detail: `${containers.length} container${containers.length === 1 ? '' : 's'}, ${running} running`,
    raw: null,
  };
  return [...statuses, docker];
}

/** Running containers that run a component (or nginx), best match first (a container of only that one before an all-in-one). */
export function containersRunning(containers: readonly Container[], service: ContainerService): Container[] {
  return containers
    .map(matchContainer)
    .filter((match) => match.services.has(service) && stateOf(match.container) === 'running')
    .sort((a, b) => a.services.size - b.services.size)
    .map((match) => match.container);
}

function matchContainer(container: Container): Match {
  const labels = container.labels ?? {};
  const { repository, tag } = parseImageReference(container.image);
  const declared = labels[COMPONENTS_LABEL];
  let components: Set<ComponentName>;
  let specific = true;
  let nginx = false;
  if (declared !== undefined) {
    const words = declared.toLowerCase().split(/[\s,;]+/);
    components = new Set(words.filter(isMatchableComponent));
    nginx = words.includes('nginx');
  } else {
    const names = [repository, labels[COMPOSE_SERVICE_LABEL] ?? stripSlash(container.name), ...TITLE_LABELS.map((key) => labels[key] ?? '')]
      .map((name) => name.toLowerCase())
      .filter((name) => name !== '');
    components = new Set();
    if (!names.some((name) => HELPER_KEYWORDS.some((helper) => name.includes(helper)))) {
      nginx = mentions(names, NGINX);
      for (const name of ORDER) {
        if (name !== 'docker' && mentions(names, COMPONENT_KEYWORDS[name])) components.add(name);
      }
      if (components.size === 0 && mentions(names, ALL_IN_ONE)) {
        specific = false;
        for (const name of ALL_IN_ONE_COMPONENTS) components.add(name);
      }
    }
  }
  const versionFromTag = specific && components.size === 1 && tag !== null && tag.length <= 80 && VERSION_TAG.test(tag) ? tag : null;
  const services = new Set<ContainerService>([...components].filter((name): name is Exclude<ComponentName, 'docker'> => name !== 'docker'));
  if (nginx) services.add('nginx');
  return { container, components, services, versionFromTag };
}

function isMatchableComponent(word: string): word is ComponentName {
  return (ORDER as string[]).includes(word);
}

function mentions(names: string[], keywords: Keywords): boolean {
  return names.some((name) => {
    const words = name.split(/[^a-z0-9]+/);
    return keywords.contained.some((keyword) => name.includes(keyword)) || keywords.words.some((keyword) => words.includes(keyword));
  });
}

function stripSlash(name: string): string {
  return name.startsWith('/') ? name.slice(1) : name;
}

function stateOf(container: Container): 'running' | 'stopped' | 'unknown' {
  const state = (container.state ?? '').toLowerCase();
  if (state === 'running') return 'running';
  return NOT_RUNNING_STATES.has(state) ? 'stopped' : 'unknown';
}

function statusOf(name: ComponentName, matches: Match[]): ComponentStatus {
  if (matches.length === 0) return { name, present: 'no', running: 'no', version: null, detail: 'no container', raw: null };
  const states = matches.map((match) => stateOf(match.container));
  let running: TriState;
  if (states.includes('running')) running = 'yes';
  else running = states.includes('unknown') ? 'unknown' : 'no';

  const versions = new Set(matches.map((match) => match.versionFromTag));
  const onlyVersion = versions.size === 1 ? [...versions][0] : null;
  return { name, present: 'yes', running, version: onlyVersion ?? null, detail: matches.map(describe).join(', '), raw: null };
}

/** "mail", "mail (unhealthy)", "mail-old (exited)": the name, and the state only when it is not plainly running. */
function describe(match: Match): string {
  const { container } = match;
  const name = stripSlash(container.name);
  const state = stateOf(container);
  if (state === 'running') {
    if (container.health === 'unhealthy') return `${name} (unhealthy)`;
    if (container.health === 'starting') return `${name} (starting)`;
    return name;
  }
  const shownState = /^[a-z]{1,20}$/i.test(container.state) ? container.state.toLowerCase() : 'state not readable';
  return `${name} (${shownState})`;
}
