/**
 * The contract: every operation Copper Console can perform, declared once. The Electron IPC router, the preload bridge,
 * the browser shell's WebSocket server, the renderer client and the CLI are all driven by this table.
 */
import * as app from './app';
import * as audit from './audit';
import * as inventory from './inventory';
import * as fleet from './fleet';
import * as ssh from './ssh';
import * as docker from './docker';
import * as queue from './queue';
import * as dns from './dns';
import * as tls from './tls';
import * as dkim from './dkim';
import * as provisionTransfer from './provision-transfer';
import * as provision from './provision';
import * as provisionApply from './provision-apply';
import type { OperationDef } from './define';

const operations = [
  app.appInfo,
  app.tasksList,
  inventory.inventorySitesList,
  inventory.inventorySitesCreate,
  inventory.inventorySitesUpdate,
  inventory.inventorySitesDelete,
  inventory.inventoryHostsList,
  inventory.inventoryHostsGet,
  inventory.inventoryHostsCreate,
  inventory.inventoryHostsUpdate,
  inventory.inventoryHostsDelete,
  inventory.inventoryDomainsList,
  inventory.inventoryDomainsCreate,
  inventory.inventoryDomainsDelete,
  inventory.inventoryExport,
  inventory.inventoryImport,
  inventory.inventoryChanged,
  audit.auditList,
  audit.auditVerify,
  audit.auditAppended,
  ssh.sshProbe,
  ssh.sshTrust,
  fleet.fleetCheck,
  fleet.fleetStatus,
  fleet.fleetLastSeen,
  docker.dockerContainers,
  docker.dockerImages,
  docker.dockerVolumes,
  docker.dockerLogs,
  docker.dockerRestart,
  docker.dockerStop,
  queue.queueSummary,
  queue.queueFleet,
  queue.queueLast,
  queue.queueList,
  queue.queueExport,
  queue.queueShow,
  queue.queueHold,
  queue.queueRelease,
  queue.queueRequeue,
  queue.queueDelete,
  queue.queueFlush,
  queue.queueThresholds,
  queue.queueSetThresholds,
  dns.dnsCheck,
  dns.dnsZone,
  dns.dnsDomains,
  dns.dnsLast,
  dns.dnsPolicy,
  dns.dnsSetPolicy,
  tls.tlsInspect,
  tls.tlsList,
  tls.tlsAuthorities,
  tls.tlsCsr,
  tls.tlsImport,
  tls.tlsCaCreate,
  tls.tlsCaTrust,
  tls.tlsIssue,
  tls.tlsSettings,
  tls.tlsConfigure,
  tls.tlsDeploy,
  tls.tlsDeployments,
  tls.tlsStatus,
  dkim.dkimStatus,
  dkim.dkimRecord,
  dkim.dkimRotate,
  dkim.dkimPolicy,
  dkim.dkimSetPolicy,
  dkim.dkimRspamd,
  dkim.dkimSetRspamd,
  provisionTransfer.provisionBundlePush,
  provision.provisionKeysList,
  provision.provisionKeysAdd,
  provision.provisionKeysRemove,
  provision.provisionBundleVerify,
  provisionApply.provisionApply,
  provisionApply.provisionStatus,
  provisionApply.provisionRuns,
] as const;

type Operations = (typeof operations)[number];
export type OperationName = Operations['name'];
export type Contract = { [D in Operations as D['name']]: D };
export type Op<N extends OperationName> = Contract[N];

export const contract = Object.fromEntries(operations.map((op) => [op.name, op])) as Contract;
export const operationNames = operations.map((op) => op.name) as OperationName[];

export function findOperation(name: string): OperationDef | undefined {
  return (contract as Record<string, OperationDef>)[name];
}

type OfKind<K extends OperationDef['kind']> = Extract<Operations, { kind: K }>['name'];
export type QueryName = OfKind<'query'>;
export type CommandName = OfKind<'command'>;
export type TaskName = OfKind<'task'>;
export type EventName = OfKind<'event'>;

export * from './define';
export * from './errors';
export * from './common';
export * from './wire';
export * from './app';
export * from './audit';
export * from './inventory';
export * from './fleet';
export * from './ssh';
export * from './docker';
export * from './queue';
export * from './dns';
export * from './tls';
export * from './dkim';
export * from './provision-transfer';
export * from './provision';
export * from './provision-apply';
