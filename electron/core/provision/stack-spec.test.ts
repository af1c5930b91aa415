import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { StackSpec } from '../../../shared/contract/provision';

const repoRoot = join(__dirname, '..', '..', '..');
const copperStack = (): Record<string, unknown> & { services: Record<string, Record<string, unknown>> } =>
  JSON.parse(readFileSync(join(repoRoot, 'resources', 'stacks', 'copper-1.0.0.json'), 'utf8')) as never;

/** The paths of the problems zod reports, joined with dots, so a test names the field it expects. */
function problemPaths(value: unknown): string[] {
  const parsed = StackSpec.safeParse(value);
  assert.equal(parsed.success, false, 'expected the stack to be refused');
  return parsed.success ? [] : parsed.error.issues.map((issue) => issue.path.map(String).join('.'));
}

describe('stack specification', () => {
  test('the shipped Copper stack is valid and has every Copper service', () => {
    const stack = StackSpec.parse(copperStack());
    assert.deepEqual(Object.keys(stack.services).sort(), ['mail', 'mariadb', 'openldap', 'proxy', 'redis', 'webmail']);
    assert.deepEqual(stack.services.mail?.components, ['postfix', 'dovecot', 'rspamd', 'clamd']);
    assert.equal(stack.networkMode, 'host');
    for (const service of Object.values(stack.services)) assert.equal(service.image.id, null, 'a template stack leaves image IDs to the bundle');
  });

  test('the test stack of the lab bundle is valid', () => {
    StackSpec.parse(JSON.parse(readFileSync(join(repoRoot, 'test', 'fixtures', 'bundle', 'lab-stack.json'), 'utf8')));
  });

  test('refuses a password written as a value and names the variable', () => {
    const stack = copperStack();
    (stack.services.mariadb?.environment as Record<string, unknown>).MARIADB_ROOT_PASSWORD = 'hunter2';
    assert.deepEqual(problemPaths(stack), ['services.mariadb.environment.MARIADB_ROOT_PASSWORD']);
  });

  test('refuses a reference to an undeclared secret', () => {
    const stack = copperStack();
    (stack.services.redis?.environment as Record<string, unknown>).REDIS_PASSWORD = { secret: 'nowhere' };
    assert.deepEqual(problemPaths(stack), ['services.redis.environment.REDIS_PASSWORD.secret']);
  });

  test('refuses a dependency on a missing service and a cycle', () => {
    const missing = copperStack();
    (missing.services.proxy as { dependsOn: string[] }).dependsOn = ['webmail', 'ghost'];
    assert.deepEqual(problemPaths(missing), ['services.proxy.dependsOn.1']);
    const cycle = copperStack();
    (cycle.services.openldap as { dependsOn: string[] }).dependsOn = ['proxy'];
    assert.ok(problemPaths(cycle).some((path) => path.endsWith('.dependsOn')));
  });

  test('with host networking the host port must equal the container port', () => {
    const stack = copperStack();
    (stack.services.redis?.ports as Array<{ hostPort: number }>)[0]!.hostPort = 16379;
    assert.deepEqual(problemPaths(stack), ['services.redis.ports.0.hostPort']);
  });

  test('the copper.components label must match the components', () => {
    const stack = copperStack();
    (stack.services.mail?.labels as Record<string, string>)['copper.components'] = 'postfix';
    assert.deepEqual(problemPaths(stack), ['services.mail.labels.copper.components']);
  });

  test('refuses unknown fields, a bad image ID and a wrong format version, naming each', () => {
    const stack = copperStack();
    (stack.services.webmail as Record<string, unknown>).privileged = true;
    (stack.services.mail?.image as Record<string, unknown>).id = 'sha256:xyz';
    stack.format = 'copper-stack/2';
    const paths = problemPaths(stack);
    assert.ok(paths.includes('format'), paths.join(','));
    assert.ok(paths.includes('services.mail.image.id'), paths.join(','));
    assert.ok(paths.includes('services.webmail'), paths.join(','));
  });
});
