import { z } from 'zod';
import { ErrorEnvelope } from './errors';

/**
 * The one message protocol every transport carries (Electron IPC, the browser shell's WebSocket, in-process for the CLI).
 * Both ends validate every message with these schemas: nothing unchecked crosses a process boundary.
 */
const CallId = z.string().min(1).max(64);

export const Progress = z.object({
  step: z.string(),
  done: z.number(),
  total: z.number().nullable(),
  message: z.string(),
});
export type Progress = z.infer<typeof Progress>;

export const CallPhase = z.enum(['run', 'plan', 'execute']);
export type CallPhase = z.infer<typeof CallPhase>;

export const ClientMessage = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('call'),
    id: CallId,
    op: z.string().max(100),
    /** Queries and tasks `run`; commands first `plan`, then `execute` with the hash of the plan the operator confirmed. */
    phase: CallPhase,
    input: z.unknown(),
    planHash: z.string().regex(/^[0-9a-f]{64}$/).optional(),
  }),
  z.object({ type: z.literal('cancel'), id: CallId }),
  z.object({ type: z.literal('subscribe'), id: CallId, op: z.string().max(100), input: z.unknown() }),
  z.object({ type: z.literal('unsubscribe'), id: CallId }),
]);
export type ClientMessage = z.infer<typeof ClientMessage>;

export const ServerMessage = z.union([
  z.object({ type: z.literal('result'), id: CallId, ok: z.literal(true), value: z.unknown() }),
  z.object({ type: z.literal('result'), id: CallId, ok: z.literal(false), error: ErrorEnvelope }),
  z.object({ type: z.literal('progress'), id: CallId, progress: Progress }),
  /** One part of a task's result, for tasks that declare `part` (in order, before the final result). */
  z.object({ type: z.literal('part'), id: CallId, value: z.unknown() }),
  z.object({ type: z.literal('event'), id: CallId, payload: z.unknown() }),
]);
export type ServerMessage = z.infer<typeof ServerMessage>;

/** What the plan phase of a command returns: the plan to show, and the hash to send back when the operator confirms. */
export const PlanEnvelope = z.object({ plan: z.unknown(), planHash: z.string() });
