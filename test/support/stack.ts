import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import type { CopperClient } from '../../shared/client/client';
import type { ProvisionResult } from '../../shared/contract';
import { readKey, type Lab } from './lab';
import { confirmAndRun } from './temp-core';
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

/** The lab stack as JSON, to change for a test: the services' fields are those of test/fixtures/bundle/copper-lab-stack.json. */
export interface StackJson {
  version: string;
  services: { mail: { environment: Record<string, unknown>; ports: Array<{ name: string; containerPort: number; hostPort: number }> } };
}

/** A variant of the lab stack written to `dir/NAME.json`: `edit` changes it (and must give it a version of its own). */
export function stackVariant(dir: string, name: string, edit: (stack: StackJson) => void): string {
  const stack = JSON.parse(readFileSync(stackFixture(), 'utf8')) as StackJson;
  edit(stack);
  const file = join(dir, `${name}.json`);
  writeFileSync(file, JSON.stringify(stack));
  return file;
}

/** A correct update (1.0.2-lab) that changes only the mail service's host name, so only its container is replaced. */
export const mailHostnameUpdate = (stack: StackJson) => {
  stack.version = '1.0.2-lab';
  stack.services.mail.environment['MAIL_HOSTNAME'] = 'mx2.copper.test';
};

/**
 * The stack engine as a docker-mode host of the console, site `lab`. `sudo`: the login with the lab's exact sudo rules
 * (for features that write files on the host); otherwise the key login, which only needs the docker group.
 */
export async function addStackHost(client: CopperClient, l: Lab, name: string, options: { sudo?: boolean; mailNames?: string[] } = {}): Promise<void> {
  const user = options.sudo ? l.users.sudo : l.users.key;
  await confirmAndRun(client, 'inventory.hosts.create', {
    name,
    site: 'lab',
    ssh: { user: user.name, address: '127.0.0.1', port: l.ssh.port },
    auth: 'key',
    privateKey: readKey(user.privateKey),
    ...(options.sudo ? { privilege: 'sudo' } : {}),
    mode: 'docker',
    dockerSocket: l.stackDocker.socket,
    pinnedFingerprint: l.ssh.hostKeyFingerprint,
    ...(options.mailNames ? { mailNames: options.mailNames } : {}),
  });
}

/** The first line a server sends on connect, read by the test itself (not by the console's code). */
export function firstLine(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let text = '';
    socket.setTimeout(10_000, () => socket.destroy(new Error(`no greeting on ${port}`)));
    socket.on('data', (chunk: Buffer) => {
      text += chunk.toString('latin1');
      if (text.includes('\n')) {
        socket.destroy();
        resolve(text.split('\n')[0]?.replace(/\r$/, '') ?? '');
      }
    });
    socket.on('error', reject);
  });
}
