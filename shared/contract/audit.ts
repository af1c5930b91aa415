import { z } from 'zod';
import { event, query, task } from './define';
import { Timestamp } from './common';

export const AuditOutcome = z.object({
  status: z.enum(['succeeded', 'failed', 'cancelled']),
  code: z.string().optional(),
  message: z.string().optional(),
  result: z.unknown().optional(),
});
export type AuditOutcome = z.infer<typeof AuditOutcome>;

export const AuditRecord = z.object({
  seq: z.number().int().positive(),
  time: Timestamp,
  actor: z.string(),
  site: z.string().nullable(),
  host: z.string().nullable(),
  operation: z.string(),
  input: z.unknown(),
  plan: z.unknown(),
  outcome: AuditOutcome,
  prevHash: z.string(),
  hash: z.string(),
});
export type AuditRecord = z.infer<typeof AuditRecord>;

export const AuditVerdict = z.object({
  intact: z.boolean(),
  count: z.number().int(),
  /** The first record that does not fit the chain, and why, in plain words. */
  firstBad: z.object({ seq: z.number().int(), reason: z.string() }).nullable(),
});
export type AuditVerdict = z.infer<typeof AuditVerdict>;

export const auditList = query({
  name: 'audit.list',
  summary: 'Audit records, newest first',
  input: z.object({
    limit: z.number().int().min(1).max(1000).default(100),
    beforeSeq: z.number().int().positive().optional(),
    search: z.string().max(200).optional(),
  }),
  output: z.object({ records: z.array(AuditRecord), total: z.number().int() }),
});

export const auditVerify = task({
  name: 'audit.verify',
  summary: 'Walk the hash chain and name the first record that was edited, deleted, inserted or reordered',
  input: z.object({}).strict(),
  output: AuditVerdict,
});

export const auditAppended = event({
  name: 'audit.appended',
  summary: 'A record was added to the audit trail',
  input: z.object({}).strict(),
  payload: AuditRecord,
});
