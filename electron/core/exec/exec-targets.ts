import type { InventoryService } from '../inventory/inventory.service';
import type { SshPool } from '../ssh/ssh-pool';
import { dockerOverSsh } from '../docker/ssh-docker-agent';
import { ContainerExecTarget } from './container-exec-target';
import type { ExecTarget } from './exec-target';
import { HostExecTarget } from './host-exec-target';

/**
 * Where a feature runs its programs: on the host itself, or inside one of its containers (docker mode). Features ask
 * here and never build SSH commands or Docker execs themselves, so both modes behave the same.
 */
export class ExecTargets {
  constructor(
    private readonly inventory: InventoryService,
    private readonly pool: SshPool,
  ) {}

  onHost(hostName: string): ExecTarget {
    return new HostExecTarget(this.pool, this.inventory.getHost(hostName));
  }

  async inContainer(hostName: string, container: string): Promise<ExecTarget> {
    const host = this.inventory.getHost(hostName);
    const docker = await dockerOverSsh(this.pool, host.name);
    return new ContainerExecTarget(docker, host.name, container, { socketPath: host.dockerSocket });
  }
}
