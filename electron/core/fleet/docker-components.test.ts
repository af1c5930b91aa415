// fixtures/docker-lab-containers.json is captured from the lab's Docker API (GET /containers/json?all=1). The other
// container lists are built here in the shapes docker-mailserver, mailcow and a Compose project use.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { Container } from '../../../shared/contract/docker';
import { ComponentStatus, type ComponentName } from '../../../shared/contract/fleet';
import { componentsFromContainers, containersRunning, parseImageReference } from './docker-components';
import { hostCheckWarnings } from './host-check-warnings';

let nextId = 1;
function container(name: string, image: string, extra: Partial<Container> = {}): Container {
  return Container.parse({
    id: (nextId++).toString(16).padStart(12, '0'),
    name,
    image,
    state: 'running',
    status: 'Up 2 hours',
    health: 'none',
    restartCount: 0,
    createdAt: '2025-01-01T00:00:00.000Z',
    ports: [],
    labels: {},
    ...extra,
  });
}

function byName(statuses: ComponentStatus[]): Record<ComponentName, ComponentStatus> {
  for (const status of statuses) ComponentStatus.parse(status);
  return Object.fromEntries(statuses.map((status) => [status.name, status])) as Record<ComponentName, ComponentStatus>;
}

const summary = (status: ComponentStatus) => [status.present, status.running, status.version, status.detail];

test('the lab host: its one busybox web container is no Copper component, Docker itself is up', () => {
  // The Docker Engine API's list entry, reduced to the console's Container as the docker service does.
  const listed = JSON.parse(readFileSync(new URL('./fixtures/docker-lab-containers.json', import.meta.url), 'utf8')) as Array<{
    Id: string;
    Names: string[];
    Image: string;
    State: string;
    Status: string;
    Created: number;
    Labels: Record<string, string>;
  }>;
  const containers = listed.map((entry) =>
    container(entry.Names[0] ?? entry.Id, entry.Image, {
      id: entry.Id,
      state: entry.State,
      status: entry.Status,
      labels: entry.Labels,
      createdAt: new Date(entry.Created * 1000).toISOString(),
    }),
  );
  const statuses = byName(componentsFromContainers(containers, { dockerVersion: '20.10.24+dfsg1' }));
  for (const name of ['postfix', 'dovecot', 'rspamd', 'clamd', 'slapd', 'redis', 'mariadb', 'webmail'] as const) {
    assert.deepEqual(summary(statuses[name]), ['no', 'no', null, 'no container'], name);
  }
  assert.deepEqual(summary(statuses.docker), ['yes', 'yes', '20.10.24+dfsg1', '1 container, 1 running']);
});

test('maps a mailcow-style stack, one container per component, with versions from version tags only', () => {
  const compose = (service: string) => ({ labels: { 'com.docker.compose.project': 'mailcowdockerized', 'com.docker.compose.service': service } });
  const statuses = byName(
    componentsFromContainers([
      container('mailcowdockerized-postfix-mailcow-1', 'ghcr.io/mailcow/postfix:1.80', compose('postfix-mailcow')),
      container('mailcowdockerized-dovecot-mailcow-1', 'ghcr.io/mailcow/dovecot:2.33', compose('dovecot-mailcow')),
      container('mailcowdockerized-rspamd-mailcow-1', 'ghcr.io/mailcow/rspamd:2.2', compose('rspamd-mailcow')),
      container('mailcowdockerized-clamd-mailcow-1', 'ghcr.io/mailcow/clamd:1.70', compose('clamd-mailcow')),
      container('mailcowdockerized-redis-mailcow-1', 'redis:7.4.2-alpine', compose('redis-mailcow')),
      container('mailcowdockerized-mysql-mailcow-1', 'mariadb:10.11', compose('mysql-mailcow')),
      container('mailcowdockerized-sogo-mailcow-1', 'ghcr.io/mailcow/sogo:1.133', compose('sogo-mailcow')),
      container('mailcowdockerized-openldap-1', 'osixia/openldap:latest', compose('openldap')),
      container('mailcowdockerized-unbound-mailcow-1', 'ghcr.io/mailcow/unbound:1.24', compose('unbound-mailcow')),
      container('mailcowdockerized-nginx-mailcow-1', 'nginx:mainline-alpine', compose('nginx-mailcow')),
    ]),
  );
  assert.deepEqual(summary(statuses.postfix), ['yes', 'yes', '1.80', 'mailcowdockerized-postfix-mailcow-1']);
  assert.deepEqual(summary(statuses.redis), ['yes', 'yes', '7.4.2-alpine', 'mailcowdockerized-redis-mailcow-1']);
  assert.deepEqual(summary(statuses.mariadb), ['yes', 'yes', '10.11', 'mailcowdockerized-mysql-mailcow-1']);
  assert.deepEqual(summary(statuses.webmail), ['yes', 'yes', '1.133', 'mailcowdockerized-sogo-mailcow-1']);
  assert.deepEqual(summary(statuses.slapd), ['yes', 'yes', null, 'mailcowdockerized-openldap-1'], '"latest" is not a version');
  for (const name of ['dovecot', 'rspamd', 'clamd'] as const) assert.equal(statuses[name].present, 'yes', name);
  assert.deepEqual(summary(statuses.docker), ['yes', 'yes', null, '10 containers, 10 running']);
});

test('an all-in-one mail server counts as Postfix and Dovecot, without taking the bundle tag as their version', () => {
  const statuses = byName(
    componentsFromContainers([
      container('/mailserver', 'ghcr.io/docker-mailserver/docker-mailserver:14.0.0', {
        labels: { 'org.opencontainers.image.title': 'docker-mailserver' },
      }),
      container('roundcube', 'roundcube/roundcubemail:1.6.9-apache'),
    ]),
  );
  assert.deepEqual(summary(statuses.postfix), ['yes', 'yes', null, 'mailserver']);
  assert.deepEqual(summary(statuses.dovecot), ['yes', 'yes', null, 'mailserver']);
  // Rspamd and ClamAV are optional in such images: not claimed unless named.
  assert.equal(statuses.rspamd.present, 'no');
  assert.equal(statuses.clamd.present, 'no');
  assert.deepEqual(summary(statuses.webmail), ['yes', 'yes', '1.6.9-apache', 'roundcube']);
});

test('a copper.components label says exactly what an image runs', () => {
  const statuses = byName(
    componentsFromContainers([
      container('mx', 'registry.copper.local:5000/copper/mx:3.2.1', { labels: { 'copper.components': 'postfix, dovecot,rspamd clamd bogus' } }),
      container('cache', 'registry.copper.local:5000/copper/redis-tuned:7', { labels: { 'copper.components': '' } }),
    ]),
  );
  for (const name of ['postfix', 'dovecot', 'rspamd', 'clamd'] as const) {
    assert.deepEqual(summary(statuses[name]), ['yes', 'yes', null, 'mx'], name);
  }
  assert.equal(statuses.redis.present, 'no', 'an empty label overrides the name');
});

test('finds the running reverse proxy by its copper.components label or an nginx image, without making it a fleet component', () => {
  const names = (list: Container[]) => list.map((c) => c.name);
  const copperStack = [
    container('copper-mail', 'copper/mail:1.0.0', { labels: { 'copper.components': 'postfix,dovecot,rspamd,clamd' } }),
    container('copper-proxy', 'copper/proxy:1.0.0', { labels: { 'copper.components': 'nginx' } }),
    container('copper-proxy-previous', 'copper/proxy:0.9.0', { state: 'exited', labels: { 'copper.components': 'nginx' } }),
  ];
  assert.deepEqual(names(containersRunning(copperStack, 'nginx')), ['copper-proxy'], 'the label names it; a stopped one is not running');
  assert.deepEqual(names(containersRunning(copperStack, 'postfix')), ['copper-mail']);
  assert.deepEqual(names(containersRunning(copperStack, 'dovecot')), ['copper-mail']);
  const components = (list: Container[]) => componentsFromContainers(list).filter((s) => s.name !== 'docker');
  assert.deepEqual(components(copperStack), components(copperStack.slice(0, 1)), 'the proxy adds no component to the host check');

  const compose = [
    container('mail-proxy-1', 'nginx:1.27', { labels: { 'com.docker.compose.service': 'proxy' } }),
    container('nginx-exporter', 'nginx/nginx-prometheus-exporter:1.3'),
    container('mail-redis-1', 'valkey/valkey:8.0', { labels: { 'com.docker.compose.service': 'redis' } }),
  ];
  assert.deepEqual(names(containersRunning(compose, 'nginx')), ['mail-proxy-1'], 'by image name; an exporter is not nginx');
  assert.deepEqual(names(containersRunning([container('copper-mail', 'copper-lab/copper:1.0.0', { labels: { 'copper.components': 'postfix,dovecot' } })], 'nginx')), []);
});

test('a Compose project called "mail" does not make every container a mail server', () => {
  const compose = (service: string) => ({ labels: { 'com.docker.compose.project': 'mail', 'com.docker.compose.service': service } });
  const statuses = byName(
    componentsFromContainers([
      container('mail-proxy-1', 'nginx:1.27', compose('proxy')),
      container('mail-redis-1', 'valkey/valkey:8.0', compose('redis')),
    ]),
  );
  assert.equal(statuses.postfix.present, 'no');
  assert.equal(statuses.dovecot.present, 'no');
  assert.deepEqual(summary(statuses.redis), ['yes', 'yes', '8.0', 'mail-redis-1']);
});

test('exporters, admin interfaces and backup jobs are not the component they serve', () => {
  const statuses = byName(
    componentsFromContainers([
      container('redis-exporter', 'oliver006/redis_exporter:v1.62.0'),
      container('pma', 'phpmyadmin:5.2'),
      container('lam', 'ghcr.io/ldapaccountmanager/lam:8.8', { labels: { 'org.opencontainers.image.title': 'ldap-account-manager' } }),
      container('postfixadmin', 'postfixadmin:3.3'),
      container('mysqld-exporter', 'prom/mysqld-exporter:v0.15.1'),
      container('db-backup', 'tiredofit/db-backup:4.1', { labels: { 'com.docker.compose.service': 'mariadb-backup' } }),
    ]),
  );
  for (const name of ['postfix', 'redis', 'mariadb', 'slapd'] as const) assert.equal(statuses[name].present, 'no', name);
});

test('running comes from the container state; an unhealthy container runs but is named unhealthy', () => {
  const statuses = byName(
    componentsFromContainers([
      container('postfix', 'copper/postfix:3.7.11', { health: 'unhealthy', status: 'Up 3 hours (unhealthy)' }),
      container('dovecot', 'copper/dovecot:2.3.21', { state: 'exited', status: 'Exited (1) 5 minutes ago' }),
      container('rspamd', 'rspamd/rspamd:3.10', { state: 'restarting' }),
      container('clamav', 'clamav/clamav:1.4', { health: 'starting' }),
      container('redis-a', 'redis:7.2'),
      container('redis-b', 'redis:7.4', { state: 'exited' }),
      container('ldap', 'bitnami/openldap:2.6', { state: 'weird state!' }),
    ]),
  );
  assert.deepEqual(summary(statuses.postfix), ['yes', 'yes', '3.7.11', 'postfix (unhealthy)']);
  assert.deepEqual(summary(statuses.dovecot), ['yes', 'no', '2.3.21', 'dovecot (exited)']);
  assert.deepEqual(summary(statuses.rspamd), ['yes', 'no', '3.10', 'rspamd (restarting)']);
  assert.deepEqual(summary(statuses.clamd), ['yes', 'yes', '1.4', 'clamav (starting)']);
  assert.deepEqual(summary(statuses.redis), ['yes', 'yes', null, 'redis-a, redis-b (exited)'], 'two tags: no single version');
  assert.deepEqual(summary(statuses.slapd), ['yes', 'unknown', '2.6', 'ldap (state not readable)']);
  assert.deepEqual(hostCheckWarnings({ disks: [], memory: null, load: null, components: Object.values(statuses) }), [
    'Postfix is running but reported unhealthy (postfix (unhealthy))',
    'Dovecot is installed but not running',
    'Rspamd is installed but not running',
    'Could not tell whether OpenLDAP (slapd) is running; see the details',
  ]);
});

test('no containers: every component absent, Docker up with none', () => {
  const statuses = byName(componentsFromContainers([]));
  assert.deepEqual(summary(statuses.postfix), ['no', 'no', null, 'no container']);
  assert.deepEqual(summary(statuses.docker), ['yes', 'yes', null, '0 containers, 0 running']);
});

test('reads image references with registries, ports, digests and bare IDs', () => {
  assert.deepEqual(parseImageReference('redis'), { repository: 'redis', tag: null });
  assert.deepEqual(parseImageReference('redis:7.2'), { repository: 'redis', tag: '7.2' });
  assert.deepEqual(parseImageReference('docker.io/library/redis:7.2'), { repository: 'library/redis', tag: '7.2' });
  assert.deepEqual(parseImageReference('localhost:5000/mail/postfix'), { repository: 'mail/postfix', tag: null });
  assert.deepEqual(parseImageReference('registry.local:5000/Copper/MX:1.0@sha256:abcd'), { repository: 'copper/mx', tag: '1.0' });
  assert.deepEqual(parseImageReference('sha256:0123456789abcdef'), { repository: '', tag: null });
});
