import { createHash } from 'node:crypto';
import { canonicalJson } from '../../../shared/canonical-json';

export const GENESIS_HASH = '0'.repeat(64);

/** The fields a record's hash covers: everything but the hash itself. `seq` is included so reordering breaks the chain. */
export interface ChainedFields {
  seq: number;
  time: string;
  actor: string;
  site: string | null;
  host: string | null;
  operation: string;
  input: unknown;
  plan: unknown;
  outcome: unknown;
  prevHash: string;
}

/** hash = SHA-256(prevHash ‖ canonical JSON of the record). Changing this breaks every stored chain. */
export function recordHash(fields: ChainedFields): string {
  const { seq, time, actor, site, host, operation, input, plan, outcome, prevHash } = fields;
  const body = { seq, time, actor, site, host, operation, input, plan, outcome };
  return createHash('sha256').update(prevHash).update(canonicalJson(body)).digest('hex');
}
