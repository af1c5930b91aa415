import { join } from 'node:path';
import { AuditService } from '../audit/audit.service';
import { openDatabase, type Db } from '../db/database';
import { InventoryService } from '../inventory/inventory.service';
import { InventoryTransfer } from '../inventory/inventory-transfer';
import { inventoryHandlers } from '../inventory/inventory.handlers';
import { auditHandlers } from '../audit/audit.handlers';
import { EventBus } from '../router/event-bus';
import type { Handlers } from '../router/handlers';
import { Router } from '../router/router';
import { Session } from '../router/session';
import type { SecretStore } from '../secrets/secret-store';
import { TaskRegistry } from '../tasks/task-registry';
import { systemClock, type Clock } from './clock';
import { appHandlers } from './app.handlers';
import { SshPool } from '../ssh/ssh-pool';
import { ExecTargets } from '../exec/exec-targets';
import { sshHandlers } from '../ssh/ssh.handlers';
import { DockerService } from '../docker/docker.service';
import { dockerOverSsh } from '../docker/ssh-docker-agent';
import { dockerHandlers } from '../docker/docker.handlers';
import { FleetService } from '../fleet/fleet.service';
import { fleetHandlers } from '../fleet/fleet.handlers';
import { QueueService } from '../queue/queue.service';
import { PostfixLocator } from '../queue/postfix-target';
import { queueHandlers } from '../queue/queue.handlers';
import { DnsService } from '../dns/dns.service';
import { dnsHandlers } from '../dns/dns.handlers';
import { DkimService } from '../dkim/dkim.service';
import { dkimHandlers } from '../dkim/dkim.handlers';
import { TlsService } from '../tls/tls.service';
import { tlsHandlers } from '../tls/tls.handlers';
import { TlsDeployService } from '../tls/tls-deploy.service';
import { tlsDeployHandlers } from '../tls/tls-deploy.handlers';
import { PublisherKeys } from '../provision/publisher-keys';
import { provisionHandlers } from '../provision/provision.handlers';
import { BundleTransferService } from '../provision/transfer/bundle-transfer.service';
import { readBundle } from '../provision/bundle/verify-bundle';
import { transferHandlers } from '../provision/transfer/transfer.handlers';
import { ProvisionService } from '../provision/apply/provision.service';
import { ProvisionStore } from '../provision/apply/provision-store';
import { applyHandlers } from '../provision/apply/apply.handlers';
import type { ServerMessage } from '../../../shared/contract';

export interface CoreOptions {
  dataDir: string;
  secrets: SecretStore;
  shell: 'desktop' | 'browser' | 'cli';
  version: string;
  clock?: Clock;
  /** SSH connect timeout; tests of unreachable hosts lower it. */
  sshConnectTimeoutMs?: number;
}

/** The composition root of the core: every service built once with its real dependencies, no globals. */
export interface Core {
  readonly router: Router;
  readonly tasks: TaskRegistry;
  readonly audit: AuditService;
  readonly inventory: InventoryService;
  readonly ssh: SshPool;
  readonly exec: ExecTargets;
  readonly db: Db;
  /** A session for one connected shell; `actor` names who acts in the audit trail. */
  openSession(actor: string, send: (message: ServerMessage) => void): Session;
  close(): void;
}

export const databaseFile = (dataDir: string) => join(dataDir, 'copper.db');

export function createCore(options: CoreOptions): Core {
  const clock = options.clock ?? systemClock;
  const db = openDatabase(databaseFile(options.dataDir));
  const bus = new EventBus();
  const tasks = new TaskRegistry(clock);
  const audit = new AuditService(db, clock);
  const inventory = new InventoryService(db, options.secrets, clock);
  const transfer = new InventoryTransfer(db, inventory);
  const ssh = new SshPool(inventory, options.secrets, { ...(options.sshConnectTimeoutMs ? { connectTimeoutMs: options.sshConnectTimeoutMs } : {}) });
  const docker = new DockerService((host) => dockerOverSsh(ssh, host));
  const fleet = new FleetService(db, clock, inventory, ssh, docker);
  const exec = new ExecTargets(inventory, ssh);
  const queue = new QueueService(db, clock, inventory, new PostfixLocator(inventory, exec, docker), { keepSummarySnapshots: options.shell !== 'cli' });
  // DNS expects a DKIM record for every selector the rotation has not retired (prepared ones included: they must be published).
  const dkim = new DkimService(db, options.secrets, clock, inventory, exec, { containers: (host, signal) => docker.containers(host, false, signal) });
  // TLSA records follow the certificate each host serves, as its last verified deployment recorded it.
  const dns = new DnsService(db, clock, inventory, { dkim, certificates: { served: async (host) => tlsDeploy.servedCertificatePem(host.name) } });
  const tls = new TlsService(db, options.secrets, clock, inventory);
  inventory.onHostDelete((host) => tls.forgetHost(host));
  // Docker-mode hosts: the services are reloaded inside the running containers that run them.
  const tlsDeploy = new TlsDeployService(db, clock, inventory, exec, tls, (host, signal) => docker.containers(host, false, signal));
  const publisherKeys = new PublisherKeys(db, clock);
  // A push loads nothing unsigned: files are checked on the server against the manifest a trusted publisher signed.
  const bundleTransfer = new BundleTransferService(inventory, ssh, exec, (host) => dockerOverSsh(ssh, host), async (path) => {
    const { source, manifestBytes } = await readBundle(path, publisherKeys.trusted());
    return { kind: source.kind, manifestBytes };
  });
  const provision = new ProvisionService(inventory, ssh, (host) => dockerOverSsh(ssh, host), options.secrets, new ProvisionStore(db, clock, inventory), () => publisherKeys.trusted());
  const handlers = {
    ...appHandlers({ ...options, tasks }),
    ...inventoryHandlers(inventory, transfer, bus),
    ...auditHandlers(audit),
    ...sshHandlers(ssh, inventory),
    ...dockerHandlers(docker, inventory),
    ...fleetHandlers(fleet),
    ...queueHandlers(queue, inventory),
    ...dnsHandlers(dns),
    ...tlsHandlers(tls, inventory),
    ...tlsDeployHandlers(tlsDeploy, inventory),
    ...dkimHandlers(dkim, inventory),
    ...transferHandlers(bundleTransfer, provision),
    ...applyHandlers(provision, inventory),
    ...provisionHandlers(publisherKeys),
  } satisfies Handlers;
  const router = new Router(handlers, audit, bus);
  return {
    router,
    tasks,
    audit,
    inventory,
    ssh,
    exec,
    db,
    openSession: (actor, send) => new Session(router, tasks, actor, send),
    close: () => {
      ssh.closeAll();
      db.close();
    },
  };
}
