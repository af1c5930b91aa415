// Against the lab's real Docker engine (its unix socket stands in for the SSH-forwarded one).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type Dockerode from 'dockerode';
import { CopperError } from '../../../shared/contract/errors';
import { openLabDocker, removeTestContainers, startTestContainer, type LabDocker } from '../docker/test-lab-docker';
import { ContainerExecTarget } from './container-exec-target';

const HOST = 'lab-mx1';

let lab: LabDocker;
let box: { container: Dockerode.Container; name: string } | undefined;
let target: ContainerExecTarget;

before(async () => {
  lab = await openLabDocker();
  box = await startTestContainer(lab, { Cmd: ['sleep', '3600'], StopSignal: 'SIGKILL' });
  target = new ContainerExecTarget(lab.docker, HOST, box.name);
});

after(() => removeTestContainers([box?.container]));

async function rejectsWith(work: Promise<unknown>, code: string, message: RegExp): Promise<CopperError> {
  const error = await work.then(
    () => assert.fail(`expected ${code}`),
    (e: unknown) => e,
  );
  assert.ok(error instanceof CopperError, `expected a CopperError, got ${String(error)}`);
  assert.equal(error.code, code, error.message);
  assert.match(error.message, message);
  return error;
}

test('describes itself as host / container', () => {
  assert.equal(target.description, `${HOST} / container ${box!.name}`);
});

test('returns the exit code and both streams, separated', async () => {
  const result = await target.run({ argv: ['sh', '-c', 'echo out; echo err >&2; exit 3'] });
  assert.equal(result.exitCode, 3);
  assert.equal(result.stdout, 'out\n');
  assert.equal(result.stderr, 'err\n');
  assert.equal(result.truncated, false);
  assert.equal(result.exitSignal, null);
  assert.ok(result.durationMs >= 0);
});

test('passes an argument with quotes, $(…), ; and newlines verbatim, without a shell', async () => {
  const hostile = "a'b\"c $(id); rm -rf / \n x";
  const result = await target.run({ argv: ['echo', hostile] });
  assert.equal(result.exitCode, 0);
  assert.equal(result.stdout, `${hostile}\n`);
});

test('delivers stdin and closes it, so the program finishes', async () => {
  const result = await target.run({ argv: ['cat'], stdin: 'queue-id-1\nqueue-id-2\n' });
  assert.equal(result.exitCode, 0);
  assert.equal(result.stdout, 'queue-id-1\nqueue-id-2\n');
});

test('still reports the exit code when the program exits without reading its stdin', async () => {
  const result = await target.run({ argv: ['sh', '-c', 'exit 4'], stdin: Buffer.alloc(4 * 1024 * 1024, 'x') });
  assert.equal(result.exitCode, 4);
});

test('runs as root when asked', async () => {
  const result = await target.run({ argv: ['id', '-u'], asRoot: true });
  assert.equal(result.stdout, '0\n');
});

test('streams stdout to onStdout instead of collecting it', async () => {
  const chunks: Buffer[] = [];
  const result = await target.run({ argv: ['seq', '1', '20000'], onStdout: (chunk) => chunks.push(chunk) });
  assert.equal(result.exitCode, 0);
  assert.equal(result.stdout, '');
  const streamed = Buffer.concat(chunks).toString();
  assert.equal(streamed, `${Array.from({ length: 20000 }, (_, i) => i + 1).join('\n')}\n`);
});

test('stops a 50 MB output at maxOutputBytes, marks it truncated, and keeps memory bounded', async () => {
  const maxOutputBytes = 4 * 1024 * 1024;
  globalThis.gc?.();
  const rssBefore = process.memoryUsage().rss;
  let rssPeak = rssBefore;
  const sampler = setInterval(() => (rssPeak = Math.max(rssPeak, process.memoryUsage().rss)), 10);
  try {
    const result = await target.run({ argv: ['sh', '-c', 'yes 0123456789 | head -c 52428800'], maxOutputBytes });
    rssPeak = Math.max(rssPeak, process.memoryUsage().rss);
    assert.equal(result.truncated, true);
    assert.equal(result.stdout.length, maxOutputBytes);
    assert.ok(result.stdout.startsWith('0123456789\n0123456789\n'));
  } finally {
    clearInterval(sampler);
  }
  const growthMb = (rssPeak - rssBefore) / 1024 / 1024;
  assert.ok(growthMb < 100, `rss grew by ${growthMb.toFixed(1)} MB`);
});

test('stops waiting after timeoutMs with COMMAND_TIMEOUT', async () => {
  const started = Date.now();
  await rejectsWith(target.run({ argv: ['sleep', '5'], timeoutMs: 400 }), 'COMMAND_TIMEOUT', /^sleep in lab-mx1 \/ container .* did not finish within 400 ms\./);
  assert.ok(Date.now() - started < 2000);
});

test('answers CANCELLED when the signal aborts, at once', async () => {
  const controller = new AbortController();
  const started = Date.now();
  setTimeout(() => controller.abort(), 300);
  await rejectsWith(target.run({ argv: ['sleep', '5'], signal: controller.signal }), 'CANCELLED', /sleep .* was cancelled/);
  assert.ok(Date.now() - started < 2000);
  await rejectsWith(target.run({ argv: ['true'], signal: AbortSignal.abort() }), 'CANCELLED', /cancelled/);
});

test('answers NOT_FOUND for a container that does not exist', async () => {
  const missing = new ContainerExecTarget(lab.docker, HOST, 'copper-test-nosuch');
  await rejectsWith(missing.run({ argv: ['true'] }), 'NOT_FOUND', /No container named copper-test-nosuch exists on lab-mx1/);
});
