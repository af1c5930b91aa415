import type { TaskHandler } from '../../router/handlers';
import type { ProvisionService } from '../apply/provision.service';
import type { BundleTransferService } from './bundle-transfer.service';

export function transferHandlers(transfer: BundleTransferService, provision: ProvisionService): { 'provision.bundle.push': TaskHandler<'provision.bundle.push'> } {
  return {
    'provision.bundle.push': async (input, ctx) => {
      const pushable = await provision.readPushable(input.path);
      const result = await transfer.push(input, ctx.signal, ctx.progress);
      // From now on `provision apply HOST` brings about this bundle's stack.
      provision.recordPush(result.host, input.path, result.stagingDir, pushable);
      return result;
    },
  };
}
