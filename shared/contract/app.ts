import { z } from 'zod';
import { query } from './define';
import { Timestamp } from './common';

export const SecretStoreStatus = z.object({
  kind: z.enum(['vault', 'os', 'memory']),
  state: z.enum(['absent', 'locked', 'unlocked', 'unavailable']),
  description: z.string(),
});
export type SecretStoreStatus = z.infer<typeof SecretStoreStatus>;

export const appInfo = query({
  name: 'app.info',
  summary: 'Version, shell, data folder and secret-store status',
  input: z.object({}).strict(),
  output: z.object({
    version: z.string(),
    shell: z.enum(['desktop', 'browser', 'cli']),
    dataDir: z.string(),
    platform: z.string(),
    secretStore: SecretStoreStatus,
  }),
});

export const RunningTask = z.object({
  id: z.string(),
  operation: z.string(),
  startedAt: Timestamp,
  step: z.string(),
  done: z.number(),
  total: z.number().nullable(),
  message: z.string(),
});
export type RunningTask = z.infer<typeof RunningTask>;

export const tasksList = query({
  name: 'tasks.list',
  summary: 'Operations running now, with their progress',
  input: z.object({}).strict(),
  output: z.array(RunningTask),
});
