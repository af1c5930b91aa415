import type { TaskHandler } from '../../router/handlers';
import type { BundleTransferService } from './bundle-transfer.service';

export function transferHandlers(transfer: BundleTransferService): { 'provision.bundle.push': TaskHandler<'provision.bundle.push'> } {
  return {
    'provision.bundle.push': (input, ctx) => transfer.push(input, ctx.signal, ctx.progress),
  };
}
