import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { CopperClient } from '../../shared/client/client';
import type { ProvisionResult } from '../../shared/contract';
import type { Lab } from './lab';
import { repoRoot } from './run-copper';

/*
 * The lab's stack engine (lab.json → stackDocker) as the provisioning tests use it: cleaned to nothing, bundles built
 * from the lab's Copper image and signed with a key of the test's own, and a stack pushed and applied through the
 * console. Every caller holds the stack lock (scripts/lab/stack-lock.mjs) while it uses these.
 */

export const stackFixture = (name = 'copper-lab-stack.json') => join(repoRoot, 'test', 'fixtures', 'bundle', name);

function run(argv: string[]): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(argv[0] ?? '', argv.slice(1), { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  return { status: result.status, stdout: result.stdout ?? '', stderr: result.stderr ?? '' };
}

/** The stack engine through the real docker CLI, never through the console under test. */
export const stackDocker = (l: Lab, ...args: string[]) => run(['docker', '-H', `unix://${l.stackDocker.socket}`, ...args]);

/** Removes every container and volume provisioning made on the stack engine, and the Copper image: a run starts from nothing. */
export function cleanStackEngine(l: Lab): void {
  const ids = stackDocker(l, 'ps', '-aq', '--filter', 'label=copper.provision.stack').stdout.split('\n').filter(Boolean);
  if (ids.length) assert.equal(stackDocker(l, 'rm', '-f', ...ids).status, 0, 'the stack containers are removed');
  const volumes = stackDocker(l, 'volume', 'ls', '-q', '--filter', 'label=copper.provision.stack').stdout.split('\n').filter(Boolean);
  if (volumes.length) assert.equal(stackDocker(l, 'volume', 'rm', '-f', ...volumes).status, 0, 'the stack volumes are removed');
  stackDocker(l, 'rmi', '-f', l.copperImage);
}

/** A new Ed25519 publisher key in `dir`: returns the private key's path; its public half is PATH.pub.pem. */
export function publisherKey(dir: string): string {
  const key = join(dir, 'publisher.pem');
  const made = run([process.execPath, join(repoRoot, 'scripts', 'build-bundle.mjs'), '--keygen', key]);
  assert.equal(made.status, 0, made.stderr);
  return key;
}

/** A signed bundle of `stackFile` with the lab engine's Copper image, built by the release script into `out`. */
export function buildBundle(l: Lab, key: string, stackFile: string, out: string, publisher = 'lab test publisher'): string {
  const built = run([process.execPath, join(repoRoot, 'scripts', 'build-bundle.mjs'), '--stack', stackFile, '--docker-host', `unix://${l.docker.socket}`, '--key', key, '--out', out, '--publisher', publisher]);
  assert.equal(built.status, 0, `build-bundle ${stackFile}: ${built.stderr}`);
  return out;
}

/** A staging folder of the caller's own under the login's home, to remove at the end: every run's bundles are new, 185 MiB or more each. */
export const stagingRootFor = (login: string) => `/home/${login}/.copper-test-bundles-${randomBytes(4).toString('hex')}`;

/** Push (upload, verify, load) and apply the plan as shown, as an operator who confirms it. */
export async function provisionStack(client: CopperClient, host: string, bundle: string, stagingRoot: string): Promise<ProvisionResult> {
  await client.task('provision.bundle.push', { host, path: bundle, stagingRoot });
  const { planHash } = await client.plan('provision.apply', { host });
  return client.execute('provision.apply', { host }, planHash);
}
