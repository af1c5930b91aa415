// Against the lab's real Docker engine (its unix socket stands in for the SSH-forwarded one).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import Dockerode from 'dockerode';
import { z } from 'zod';
import { BasicPlan } from '../../../shared/contract/define';
import { Container, dockerImages, dockerLogs, dockerRestart, dockerStop, dockerVolumes } from '../../../shared/contract/docker';
import { CopperError } from '../../../shared/contract/errors';
import { DockerService } from './docker.service';
import { openLabDocker, removeTestContainers, startTestContainer, waitFor, type LabDocker } from './test-lab-docker';

const HOST = 'lab-mx1';

let lab: LabDocker;
let service: DockerService;
/** Printed labelled lines on stdout and stderr, then 3000 numbered lines, then sleeps. */
let chatty: { container: Dockerode.Container; name: string } | undefined;
/** The same, with a TTY: the engine keeps one raw stream. */
let tty: { container: Dockerode.Container; name: string } | undefined;
/** Has a health check that passes after a second. */
let healthy: { container: Dockerode.Container; name: string } | undefined;

const chattyScript = [
  'echo out-1',
  'echo err-1 >&2',
  'echo out-2',
  'echo err-2 >&2',
  // An ANSI colour and a byte that is not UTF-8: kept as they are, and the invalid byte must not throw.
  String.raw`printf '\033[31mred\033[0m \377 end\n'`,
  'seq 1 3000',
  'exec sleep 3600',
].join('; ');

before(async () => {
  lab = await openLabDocker();
  service = new DockerService(async () => lab.docker, { pollIntervalMs: 100 });
  // Created together: each creation copies the image (vfs), so a file pays for it once.
  [chatty, tty, healthy] = await Promise.all([
    startTestContainer(lab, { Cmd: ['sh', '-c', chattyScript], StopSignal: 'SIGKILL' }),
    startTestContainer(lab, { Cmd: ['sh', '-c', 'echo tty-1; echo tty-2 >&2; exec sleep 3600'], Tty: true, StopSignal: 'SIGKILL' }),
    startTestContainer(lab, {
      Cmd: ['sleep', '3600'],
      StopSignal: 'SIGKILL',
      Healthcheck: { Test: ['CMD', 'true'], Interval: 1e9 },
    }),
  ]);
  await waitFor('the test containers to write their logs', async () => {
    const [chattyLog, ttyLog] = await Promise.all([
      lab.docker.getContainer(chatty!.name).logs({ stdout: true, stderr: true }),
      lab.docker.getContainer(tty!.name).logs({ stdout: true, stderr: true, tail: 10 }),
    ]);
    return chattyLog.includes('err-2') && chattyLog.includes('3000\n') && ttyLog.includes('tty-2');
  });
});

after(() => removeTestContainers([chatty?.container, tty?.container, healthy?.container]));

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

test('lists the lab container as running, named without the leading slash, in the contract shape', async () => {
  const containers = z.array(Container).parse(await service.containers(HOST, true));
  const web = containers.find((c) => c.name === lab.container);
  assert.ok(web, `${lab.container} is missing from ${containers.map((c) => c.name).join(', ')}`);
  assert.equal(web.state, 'running');
  assert.match(web.status, /^Up /);
  assert.equal(web.health, 'none');
  assert.equal(web.restartCount, 0);
  assert.equal(web.image, lab.image);
  assert.ok(!Number.isNaN(Date.parse(web.createdAt)));
  assert.ok(containers.some((c) => c.name === chatty!.name));
});

test('lists images with their tags and volumes in the contract shape', async () => {
  const images = dockerImages.output.parse(await service.images(HOST));
  const image = images.find((i) => i.tags.includes(lab.image));
  assert.ok(image, `no image tagged ${lab.image}`);
  assert.match(image.id, /^sha256:/);
  assert.ok(image.sizeBytes > 0);
  dockerVolumes.output.parse(await service.volumes(HOST));
});

test('returns logs demultiplexed, labelled by stream, in order per stream, text verbatim', async () => {
  // The engine logs stdout and stderr from two copiers: their order relative to each other is not guaranteed.
  const log = dockerLogs.output.parse(await service.logs(HOST, chatty!.name, { tail: 10_000 }));
  assert.equal(log.truncated, false);
  const labelled = log.lines.filter((line) => !/^\d+$/.test(line.text));
  assert.deepEqual(
    labelled.filter((l) => l.stream === 'stdout').map((l) => l.text),
    ['out-1', 'out-2', '\x1b[31mred\x1b[0m \uFFFD end'],
  );
  assert.deepEqual(
    labelled.filter((l) => l.stream === 'stderr').map((l) => l.text),
    ['err-1', 'err-2'],
  );
  const numbered = log.lines.filter((l) => /^\d+$/.test(l.text));
  assert.equal(numbered.length, 3000);
  assert.ok(numbered.every((l, index) => l.stream === 'stdout' && l.text === String(index + 1)));
});

test('stops reading a log at maxBytes and says it is truncated', async () => {
  const log = await service.logs(HOST, chatty!.name, { tail: 10_000, maxBytes: 1024 });
  assert.equal(log.truncated, true);
  const bytes = log.lines.reduce((sum, line) => sum + Buffer.byteLength(line.text) + 1, 0);
  assert.ok(bytes <= 1024 + 1, `kept ${bytes} bytes`);
  assert.ok(log.lines.length > 150, `only ${log.lines.length} lines`);
  // The oldest lines of the tail come first: the labelled ones, then 1, 2, 3…, the last one possibly cut.
  const numbered = log.lines.slice(0, -1).filter((l) => /^\d+$/.test(l.text));
  assert.ok(numbered.length > 150);
  numbered.forEach((line, index) => assert.equal(line.text, String(index + 1)));
  assert.ok(!log.lines.some((l) => l.text === '3000'));
});

test('returns a TTY container’s log as one raw stream, without the terminal’s carriage returns', async () => {
  const log = await service.logs(HOST, tty!.name, { tail: 10 });
  assert.deepEqual(log, {
    lines: [
      { stream: 'stdout', text: 'tty-1' },
      { stream: 'stdout', text: 'tty-2' },
    ],
    truncated: false,
  });
});

test('refuses the log of a missing container with NOT_FOUND naming the container and the host', async () => {
  await rejectsWith(service.logs(HOST, 'copper-test-nosuch'), 'NOT_FOUND', /copper-test-nosuch.*lab-mx1/);
});

test('plans a restart in the operator’s words, and refuses to plan for a missing container', async () => {
  const plan = BasicPlan.parse(await service.planRestart(HOST, healthy!.name));
  assert.deepEqual(plan, {
    summary: `Restart container ${healthy!.name} on host ${HOST}`,
    changes: [{ action: 'update', target: `container ${healthy!.name}`, detail: `image ${lab.image}, now running` }],
    warnings: [`Mail delivery through ${healthy!.name} pauses for a few seconds while it restarts.`],
    destructive: false,
  });
  await rejectsWith(service.planRestart(HOST, 'copper-test-nosuch'), 'NOT_FOUND', /No container named copper-test-nosuch exists on lab-mx1/);
});

test('restarts a container with a health check and waits until it reports healthy', async () => {
  const before = await healthy!.container.inspect();
  const outcome = dockerRestart.output.parse(await service.restart(HOST, healthy!.name));
  assert.deepEqual(outcome, { container: healthy!.name, state: 'running', health: 'healthy' });
  const after = await healthy!.container.inspect();
  assert.notEqual(after.State.StartedAt, before.State.StartedAt, 'the container was not restarted');
  const listed = (await service.containers(HOST)).find((c) => c.name === healthy!.name);
  assert.equal(listed?.health, 'healthy');
});

test('refuses to restart a missing container with NOT_FOUND', async () => {
  await rejectsWith(service.restart(HOST, 'copper-test-nosuch'), 'NOT_FOUND', /copper-test-nosuch/);
});

test('plans a stop in the operator’s words, stops a container that exits on SIGTERM, and then has nothing to stop', async () => {
  // Its own throw-away container (no network), so the lab's long-running one is never taken down.
  const stoppable = await startTestContainer(lab, { Cmd: ['sh', '-c', 'trap "exit 0" TERM; sleep 3600 & wait'] });
  try {
    const plan = BasicPlan.parse(await service.planStop(HOST, stoppable.name));
    assert.deepEqual(plan, {
      summary: `Stop container ${stoppable.name} on host ${HOST}`,
      changes: [{ action: 'update', target: `container ${stoppable.name}`, detail: `image ${lab.image}, running → stopped` }],
      warnings: [
        `Mail delivery through ${stoppable.name} stops until the container is started again.`,
        'The engine asks it to stop and kills it after 10 s if it has not stopped by then.',
      ],
      destructive: false,
    });
    const outcome = dockerStop.output.parse(await service.stop(HOST, stoppable.name));
    assert.deepEqual(outcome, { container: stoppable.name, state: 'exited', exitCode: 0, alreadyStopped: false });
    assert.equal((await stoppable.container.inspect()).State.Running, false);
    const listed = (await service.containers(HOST)).find((c) => c.name === stoppable.name);
    assert.equal(listed?.state, 'exited');

    const again = BasicPlan.parse(await service.planStop(HOST, stoppable.name));
    assert.deepEqual(again.changes, []);
    assert.deepEqual(again.warnings, [`${stoppable.name} is exited already: there is nothing to stop.`]);
    assert.deepEqual(await service.stop(HOST, stoppable.name), { container: stoppable.name, state: 'exited', exitCode: 0, alreadyStopped: true });
  } finally {
    await removeTestContainers([stoppable.container]);
  }
});

test('kills a container that ignores its stop signal after its own StopTimeout, not the engine’s default', async () => {
  // PID 1 without a handler ignores SIGTERM: only the kill after StopTimeout ends it.
  const stubborn = await startTestContainer(lab, { Cmd: ['sleep', '3600'], StopTimeout: 1 });
  try {
    const plan = await service.planStop(HOST, stubborn.name);
    assert.ok(plan.warnings.includes('The engine asks it to stop and kills it after 1 s if it has not stopped by then.'), plan.warnings.join(' | '));
    const started = Date.now();
    const outcome = await service.stop(HOST, stubborn.name);
    const tookMs = Date.now() - started;
    assert.deepEqual(outcome, { container: stubborn.name, state: 'exited', exitCode: 137, alreadyStopped: false });
    assert.ok(tookMs < 8_000, `the stop took ${tookMs} ms: the engine's 10 s default was used instead of StopTimeout 1`);
  } finally {
    await removeTestContainers([stubborn.container]);
  }
});

test('refuses to stop a missing container with NOT_FOUND', async () => {
  await rejectsWith(service.stop(HOST, 'copper-test-nosuch'), 'NOT_FOUND', /copper-test-nosuch/);
  await rejectsWith(service.planStop(HOST, 'copper-test-nosuch'), 'NOT_FOUND', /No container named copper-test-nosuch exists on lab-mx1/);
});

test('says DOCKER_UNAVAILABLE, naming the host and the socket, when the engine does not answer', async () => {
  const unreachable = new DockerService(async () => new Dockerode({ socketPath: '/nonexistent/docker.sock' }), {
    socketPath: () => '/run/docker.sock',
  });
  await rejectsWith(
    unreachable.containers(HOST),
    'DOCKER_UNAVAILABLE',
    /^The Docker engine on lab-mx1 did not answer through SSH \(.*ENOENT.*\)\. .*the socket \/run\/docker\.sock\.$/,
  );
});

test('honours a cancelled signal with CANCELLED', async () => {
  await rejectsWith(service.logs(HOST, chatty!.name, { signal: AbortSignal.abort() }), 'CANCELLED', /reading the log/);
});
