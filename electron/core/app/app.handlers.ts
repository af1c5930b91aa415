import type { SecretStore } from '../secrets/secret-store';
import type { TaskRegistry } from '../tasks/task-registry';
import type { QueryHandler } from '../router/handlers';

export function appHandlers(deps: {
  dataDir: string;
  secrets: SecretStore;
  shell: 'desktop' | 'browser' | 'cli';
  version: string;
  tasks: TaskRegistry;
}): { 'app.info': QueryHandler<'app.info'>; 'tasks.list': QueryHandler<'tasks.list'> } {
  return {
    'app.info': () => ({
      version: deps.version,
      shell: deps.shell,
      dataDir: deps.dataDir,
      platform: `${process.platform} ${process.arch}`,
      secretStore: deps.secrets.status(),
    }),
    'tasks.list': () => deps.tasks.list(),
  };
}
