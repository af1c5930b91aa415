import { createHash } from 'node:crypto';
import { ZodError } from 'zod';
import { canonicalJson } from '../../../shared/canonical-json';
import {
  CopperError,
  findOperation,
  type AuditOutcome,
  type CallPhase,
  type CommandDef,
  type EventName,
} from '../../../shared/contract';
import type { AuditService } from '../audit/audit.service';
import type { CallContext, CommandHandler, EventHandler, Handlers } from './handlers';
import type { EventBus } from './event-bus';

export const planHash = (plan: unknown): string => createHash('sha256').update(canonicalJson(plan)).digest('hex');

const REDACTED = '[redacted]';
const AUDIT_RESULT_LIMIT = 4096;

/**
 * The one generic router: validates input against the contract, dispatches to the handler, validates output, and runs
 * every command through plan → confirm (by plan hash) → execute → audit. Every shell calls the core only through here.
 */
export class Router {
  constructor(
    private readonly handlers: Handlers,
    private readonly audit: AuditService,
    private readonly bus: EventBus,
  ) {}

  async call(op: string, phase: CallPhase, rawInput: unknown, ctx: CallContext, confirmedPlanHash?: string): Promise<unknown> {
    const def = findOperation(op);
    if (!def) throw new CopperError('UNKNOWN_OPERATION', `There is no operation named ${op}.`);
    if (def.kind === 'event') throw new CopperError('INVALID_INPUT', `${op} is an event: subscribe to it instead of calling it.`);
    const input = parseInput(def.input, rawInput, op);
    const handler = (this.handlers as unknown as Record<string, unknown>)[op];

    if (def.kind === 'query' || def.kind === 'task') {
      if (phase !== 'run') throw new CopperError('INVALID_INPUT', `${op} is a ${def.kind}: call it with phase "run".`);
      const partSchema = def.kind === 'task' ? def.part : undefined;
      const part = (value: unknown) => {
        if (!partSchema) throw new Error(`${op} declares no parts, yet its handler handed one over`);
        ctx.part(partSchema.parse(value));
      };
      const output = await (handler as (input: unknown, ctx: CallContext) => unknown)(input, { ...ctx, part });
      return def.output.parse(output);
    }

    const command = handler as CommandHandler<never>;
    if (phase === 'run') throw new CopperError('INVALID_INPUT', `${op} changes state: plan it first, then execute the confirmed plan.`);
    const plan = def.plan.parse(await command.plan(input as never, ctx));
    const hash = planHash(plan);
    if (phase === 'plan') return { plan, planHash: hash };

    if (!confirmedPlanHash) {
      throw new CopperError('NOT_CONFIRMED', `${op} needs a confirmed plan: plan it, show the plan, then execute with its hash.`);
    }
    if (confirmedPlanHash !== hash) {
      throw new CopperError(
        'PLAN_CHANGED',
        'The situation changed since the plan was shown, so nothing was done. Review the new plan and confirm again.',
        { plan, planHash: hash },
      );
    }
    return this.executeAudited(def, command, input, plan, ctx);
  }

  subscribe(op: string, rawInput: unknown, emit: (payload: unknown) => void): () => void {
    const def = findOperation(op);
    if (!def || def.kind !== 'event') throw new CopperError('UNKNOWN_OPERATION', `There is no event named ${op}.`);
    const input = parseInput(def.input, rawInput, op);
    const handler = (this.handlers as unknown as Record<string, EventHandler<EventName>>)[op];
    if (!handler) throw new CopperError('UNKNOWN_OPERATION', `There is no event named ${op}.`);
    return handler(input as never, (payload) => emit(def.payload.parse(payload)));
  }

  private async executeAudited(
    def: CommandDef,
    command: CommandHandler<never>,
    input: unknown,
    plan: unknown,
    ctx: CallContext,
  ): Promise<unknown> {
    const scope = command.scope?.(input as never) ?? { site: null, host: null };
    const record = (outcome: AuditOutcome) =>
      this.audit.append({ actor: ctx.actor, ...scope, operation: def.name, input: redact(input, def.secretFields), plan, outcome });
    let output: unknown;
    try {
      if (ctx.signal.aborted) throw new CopperError('CANCELLED', 'The operation was cancelled before it started.');
      output = def.output.parse(await command.execute(input as never, ctx));
    } catch (error) {
      const copper = toCopperError(error, ctx.signal);
      record({ status: copper.code === 'CANCELLED' ? 'cancelled' : 'failed', code: copper.code, message: copper.message });
      throw copper;
    }
    if (command.auditResult) {
      record({ status: 'succeeded', result: command.auditResult(output as never, input as never) });
    } else {
      const small = JSON.stringify(output ?? null).length <= AUDIT_RESULT_LIMIT;
      record({ status: 'succeeded', ...(small ? { result: output } : {}) });
    }
    for (const name of command.emits ?? []) this.bus.emit(name, { operation: def.name });
    return output;
  }
}

function parseInput(schema: { parse(value: unknown): unknown }, raw: unknown, op: string): unknown {
  try {
    return schema.parse(raw ?? {});
  } catch (error) {
    if (error instanceof ZodError) {
      const problems = error.issues.map((issue) => ({ path: issue.path.join('.'), message: issue.message }));
      throw new CopperError(
        'INVALID_INPUT',
        `The input for ${op} is not valid: ${problems.map((p) => (p.path ? `${p.path}: ${p.message}` : p.message)).join('; ')}`,
        { problems },
      );
    }
    throw error;
  }
}

/** Secrets named by the contract never reach the audit trail: their presence is recorded, their value is not. */
export function redact(input: unknown, secretFields: readonly string[]): unknown {
  if (!secretFields.length || input === null || typeof input !== 'object') return input;
  const copy: Record<string, unknown> = { ...(input as Record<string, unknown>) };
  for (const field of secretFields) if (copy[field] !== undefined) copy[field] = REDACTED;
  return copy;
}

export function toCopperError(error: unknown, signal?: AbortSignal): CopperError {
  if (error instanceof CopperError) return error;
  if (signal?.aborted || (error instanceof Error && error.name === 'AbortError')) {
    return new CopperError('CANCELLED', 'The operation was cancelled.');
  }
  if (error instanceof ZodError) {
    return new CopperError('INTERNAL', 'The console produced a result that does not match its own contract. Please report this.', {
      problems: error.issues.map((i) => `${i.path.join('.')}: ${i.message}`),
    });
  }
  const code = (error as { code?: unknown } | null)?.code;
  if (code === 'SQLITE_CONSTRAINT_UNIQUE') {
    return new CopperError('ALREADY_EXISTS', 'Another change created the same name a moment ago. Refresh and try again.');
  }
  return new CopperError('INTERNAL', `Unexpected failure: ${error instanceof Error ? error.message : String(error)}`);
}
