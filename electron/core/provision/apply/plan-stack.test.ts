import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { PROVISION_LABELS, StackSpec } from '../../../../shared/contract';
import { applyOrder, createOptions, desiredServices, PREVIOUS_SUFFIX, type DesiredService } from './desired-stack';
import { planStack, type Observed, type ObservedContainer } from './plan-stack';

const repoRoot = join(__dirname, '..', '..', '..', '..');
const IMAGE = `sha256:${'a'.repeat(64)}`;
const OTHER_IMAGE = `sha256:${'b'.repeat(64)}`;

/** The shipped stack with an image ID filled in for every service, as a bundle would. */
function stack(version = '1.0.0', edit: (json: { services: Record<string, { image: { id: string | null }; environment: Record<string, unknown> }> }) => void = () => {}): StackSpec {
  const json = JSON.parse(readFileSync(join(repoRoot, 'resources', 'stacks', 'copper-1.0.0.json'), 'utf8')) as { version: string; services: Record<string, { image: { id: string | null }; environment: Record<string, unknown> }> };
  json.version = version;
  for (const service of Object.values(json.services)) service.image.id = IMAGE;
  edit(json);
  return StackSpec.parse(json);
}

const bundle = { source: 'pushed' as const, path: '/b', stackName: 'copper', stackVersion: '1.0.0', publisherKeyId: `SHA256:${'A'.repeat(43)}`, createdAt: '2026-11-21T00:00:00.000Z' };

/** A container as apply would have created it from `desired`. */
function running(desired: DesiredService, version: string, overrides: Partial<ObservedContainer> = {}): ObservedContainer {
  const labels = createOptions(desired, stack(version), () => 'x').Labels ?? {};
  return { id: `id-${desired.container}`, name: desired.container, labels, running: true, state: 'running', health: 'healthy', imageId: desired.imageId, ...overrides };
}

function observed(containers: ObservedContainer[], extra: Partial<Observed> = {}): Observed {
  return { containers, imageIds: new Set([IMAGE, OTHER_IMAGE]), volumes: new Set(), secrets: new Set(), ...extra };
}

describe('provisioning plan', () => {
  test('dependencies come first, whatever order the file lists them in', () => {
    const order = applyOrder(stack());
    const before = (a: string, b: string) => assert.ok(order.indexOf(a) < order.indexOf(b), `${a} before ${b} in ${order.join(', ')}`);
    before('openldap', 'mail');
    before('redis', 'mail');
    before('mail', 'webmail');
    before('mariadb', 'webmail');
    before('webmail', 'proxy');
  });

  test('a host never provisioned: every service created, volumes and secrets generated, nothing shown of a secret', () => {
    const s = stack();
    const plan = planStack('mx1', s, desiredServices(s), observed([]), bundle);
    assert.deepEqual(new Set(plan.services.map((x) => x.action)), new Set(['create']));
    assert.equal(plan.unchanged, false);
    assert.ok(plan.secretsToGenerate.includes('ldap-admin-password'));
    assert.ok(plan.volumesToCreate.includes('copper-mail-spool'));
    assert.equal(plan.currentVersion, null);
    assert.deepEqual(plan.services.find((x) => x.service === 'openldap')?.checks, ['ldap-bind 127.0.0.1:389']);
  });

  test('the same stack running as desired plans nothing, and a changed variable replaces only its service', () => {
    const s = stack();
    const desired = desiredServices(s);
    const all = observed(desired.map((d) => running(d, '1.0.0')), { volumes: new Set(desired.flatMap((d) => d.spec.volumes.map((v) => v.source))), secrets: new Set(Object.keys(s.secrets)) });
    const same = planStack('mx1', s, desired, all, bundle);
    assert.equal(same.unchanged, true, same.summary);
    assert.match(same.summary, /nothing to change/);

    const changed = stack('1.0.1', (json) => {
      const mail = json.services['mail'];
      if (mail) mail.environment['MAIL_HOSTNAME'] = 'mx.example.org';
    });
    const plan = planStack('mx1', changed, desiredServices(changed), all, bundle);
    const mail = plan.services.find((x) => x.service === 'mail');
    assert.equal(mail?.action, 'replace');
    assert.deepEqual(mail?.reasons, ['environment MAIL_HOSTNAME changed']);
    assert.deepEqual(plan.services.filter((x) => x.action !== 'keep').map((x) => x.service), ['mail']);
    assert.equal(plan.currentVersion, '1.0.0');
  });

  test('a new image is named in the reason; a stopped or unhealthy container is started, not replaced', () => {
    const s = stack();
    const desired = desiredServices(s);
    const newer = stack('1.0.1', (json) => {
      const redis = json.services['redis'];
      if (redis) redis.image.id = OTHER_IMAGE;
    });
    const containers = desired.map((d) =>
      running(d, '1.0.0', d.service === 'mail' ? { running: false, state: 'exited', health: 'none' } : d.service === 'openldap' ? { health: 'unhealthy' } : {}),
    );
    const plan = planStack('mx1', newer, desiredServices(newer), observed(containers), bundle);
    const by = (name: string) => plan.services.find((x) => x.service === name);
    assert.equal(by('redis')?.action, 'replace');
    assert.match(by('redis')?.reasons.join() ?? '', /image sha256:bbbbbbbbbbbb replaces sha256:aaaaaaaaaaaa/);
    assert.equal(by('mail')?.action, 'start');
    assert.equal(by('openldap')?.action, 'start');
  });

  test('what an interrupted apply left is reported, and missing images block with the fix', () => {
    const s = stack();
    const desired = desiredServices(s);
    const mail = desired.find((d) => d.service === 'mail');
    assert.ok(mail);
    const previous = running(mail, '0.9.0', { name: mail.container + PREVIOUS_SUFFIX, running: false, state: 'exited' });
    const plan = planStack('mx1', s, desired, observed([previous], { imageIds: new Set() }), bundle);
    assert.equal(plan.services.find((x) => x.service === 'mail')?.action, 'create');
    assert.deepEqual(plan.leftovers, ['copper-mail-previous']);
    assert.ok(plan.missingImages.length > 0);
    assert.ok(plan.warnings.some((w) => w.includes('copper bundle push mx1')));
  });

  test('secret values go only into the environment, never into labels', () => {
    const s = stack();
    const ldap = desiredServices(s).find((d) => d.service === 'openldap');
    assert.ok(ldap);
    const options = createOptions(ldap, s, (name) => `VALUE-OF-${name}`);
    assert.ok(options.Env?.includes('LDAP_ADMIN_PASSWORD=VALUE-OF-ldap-admin-password'));
    assert.ok(!JSON.stringify(options.Labels).includes('VALUE-OF'), 'labels hold secret names only');
    assert.equal(options.Labels?.[PROVISION_LABELS.specHash], ldap.specHash);
    assert.deepEqual(options.Healthcheck?.Test?.slice(0, 2), ['CMD', 'ldapsearch']);
    assert.equal(options.HostConfig?.NetworkMode, 'host');
  });
});
