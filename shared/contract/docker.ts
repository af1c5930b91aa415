import { z } from 'zod';
import { command, planShape, query, task } from './define';
import { HostName, Timestamp } from './common';

export const Container = z.object({
  id: z.string(),
  name: z.string(),
  image: z.string(),
  state: z.string(),
  status: z.string(),
  health: z.enum(['healthy', 'unhealthy', 'starting', 'none']),
  restartCount: z.number().int().nullable(),
  createdAt: Timestamp,
  ports: z.array(z.string()),
  labels: z.record(z.string(), z.string()),
});
export type Container = z.infer<typeof Container>;

export const dockerContainers = query({
  name: 'docker.containers',
  summary: 'Containers on a host, with state and health (through SSH to the Docker socket)',
  input: z.object({ host: HostName, all: z.boolean().default(true) }),
  output: z.array(Container),
});

export const dockerImages = query({
  name: 'docker.images',
  summary: 'Images on a host',
  input: z.object({ host: HostName }),
  output: z.array(z.object({ id: z.string(), tags: z.array(z.string()), sizeBytes: z.number(), createdAt: Timestamp })),
});

export const dockerVolumes = query({
  name: 'docker.volumes',
  summary: 'Volumes on a host',
  input: z.object({ host: HostName }),
  output: z.array(z.object({ name: z.string(), driver: z.string(), mountpoint: z.string() })),
});

export const LogLine = z.object({ stream: z.enum(['stdout', 'stderr']), text: z.string() });
export type LogLine = z.infer<typeof LogLine>;

export const dockerLogs = task({
  name: 'docker.logs',
  summary: 'The last lines of a container’s log (bounded)',
  input: z.object({
    host: HostName,
    container: z.string().min(1).max(128),
    tail: z.number().int().min(1).max(10_000).default(200),
    maxBytes: z.number().int().min(1024).max(16 * 1024 * 1024).default(1024 * 1024),
  }),
  output: z.object({ lines: z.array(LogLine), truncated: z.boolean() }),
});

export const dockerRestart = command({
  name: 'docker.restart',
  summary: 'Restart a container',
  input: z.object({ host: HostName, container: z.string().min(1).max(128) }),
  plan: z.object(planShape),
  output: z.object({ container: z.string(), state: z.string(), health: Container.shape.health }),
});

export const dockerStop = command({
  name: 'docker.stop',
  summary: 'Stop a container (mail through it stops until it is started again)',
  input: z.object({ host: HostName, container: z.string().min(1).max(128) }),
  plan: z.object(planShape),
  output: z.object({
    container: z.string(),
    state: z.string(),
    /** The exit code the engine recorded (137: killed after its stop timeout); null if it never ran. */
    exitCode: z.number().int().nullable(),
    /** It was not running when the stop was asked for: nothing was done. */
    alreadyStopped: z.boolean(),
  }),
});
