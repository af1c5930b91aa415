import type { z } from 'zod';
import {
  contract,
  CopperError,
  ServerMessage,
  type ClientMessage,
  type CommandName,
  type EventName,
  type Op,
  type Progress,
  type QueryName,
  type TaskName,
} from '../contract';

/** A message channel to the core: a WebSocket, the Electron preload bridge, or the core itself in-process. */
export interface Transport {
  send(message: ClientMessage): void;
  /** Returns a function that stops listening. */
  onMessage(listener: (message: unknown) => void): () => void;
}

export type InputOf<N extends keyof typeof contract> = z.input<Op<N>['input']>;
export type OutputOf<N extends QueryName | CommandName | TaskName> = z.output<Op<N>['output']>;
export type PlanOf<N extends CommandName> = z.output<Op<N>['plan']>;
export type PayloadOf<N extends EventName> = z.output<Op<N>['payload']>;

export interface CallOptions {
  signal?: AbortSignal;
  onProgress?: (progress: Progress) => void;
}

export type PartOf<N extends TaskName> = Op<N> extends { part?: infer P extends z.ZodType } ? z.output<P> : never;

export interface TaskOptions<N extends TaskName> extends CallOptions {
  /** Each part of the result, in order, for tasks that hand theirs over in parts. */
  onPart?: (part: PartOf<N>) => void;
}

export interface Planned<N extends CommandName> {
  plan: PlanOf<N>;
  planHash: string;
}

/** The typed client every shell uses; its methods follow the contract table, so nobody writes a channel name by hand. */
export interface CopperClient {
  query<N extends QueryName>(name: N, input: InputOf<N>, options?: CallOptions): Promise<OutputOf<N>>;
  task<N extends TaskName>(name: N, input: InputOf<N>, options?: TaskOptions<N>): Promise<OutputOf<N>>;
  plan<N extends CommandName>(name: N, input: InputOf<N>, options?: CallOptions): Promise<Planned<N>>;
  execute<N extends CommandName>(name: N, input: InputOf<N>, planHash: string, options?: CallOptions): Promise<OutputOf<N>>;
  subscribe<N extends EventName>(name: N, input: InputOf<N>, listener: (payload: PayloadOf<N>) => void): () => void;
  close(): void;
}

interface Pending {
  resolve(value: unknown): void;
  reject(error: Error): void;
  onProgress?: (progress: Progress) => void;
  onPart?: (value: unknown) => void;
}

export interface ClientOptions {
  /**
   * false only for a client in the same process as the router, which has already validated every output against
   * these very schemas: there is no boundary to guard, and re-checking 100,000 queue messages costs a noticeable pause.
   */
  validateOutputs?: boolean;
}

export function createClient(transport: Transport, options: ClientOptions = {}): CopperClient {
  const validateOutputs = options.validateOutputs ?? true;
  let counter = 0;
  const nextId = () => `c${Date.now().toString(36)}-${(counter++).toString(36)}`;
  const pending = new Map<string, Pending>();
  const subscriptions = new Map<string, (payload: unknown) => void>();

  const stop = transport.onMessage((raw) => {
    const parsed = ServerMessage.safeParse(raw);
    if (!parsed.success) return; // Not ours or malformed: a hostile or confused peer must not crash the client.
    const message = parsed.data;
    if (message.type === 'event') {
      subscriptions.get(message.id)?.(message.payload);
      return;
    }
    const call = pending.get(message.id);
    if (!call) return;
    if (message.type === 'progress') {
      call.onProgress?.(message.progress);
      return;
    }
    if (message.type === 'part') {
      try {
        call.onPart?.(message.value);
      } catch (error) {
        // A part that fails its schema, or a consumer that cannot take it (a closed pipe): the call ends here.
        pending.delete(message.id);
        transport.send({ type: 'cancel', id: message.id });
        call.reject(error instanceof Error ? error : new Error(String(error)));
      }
      return;
    }
    pending.delete(message.id);
    if (message.ok) call.resolve(message.value);
    else call.reject(CopperError.fromEnvelope(message.error));
  });

  function call(
    op: string,
    phase: 'run' | 'plan' | 'execute',
    input: unknown,
    options: CallOptions & { onPart?: (value: unknown) => void } = {},
    planHash?: string,
  ): Promise<unknown> {
    const id = nextId();
    return new Promise((resolve, reject) => {
      if (options.signal?.aborted) {
        reject(new CopperError('CANCELLED', 'The operation was cancelled before it started.'));
        return;
      }
      pending.set(id, {
        resolve,
        reject,
        ...(options.onProgress ? { onProgress: options.onProgress } : {}),
        ...(options.onPart ? { onPart: options.onPart } : {}),
      });
      options.signal?.addEventListener('abort', () => transport.send({ type: 'cancel', id }), { once: true });
      const message: ClientMessage = { type: 'call', id, op, phase, input };
      if (planHash) message.planHash = planHash;
      transport.send(message);
    });
  }

  function parseOutput(name: string, value: unknown): unknown {
    if (!validateOutputs) return value;
    const def = contract[name as keyof typeof contract];
    return 'output' in def ? def.output.parse(value) : value;
  }

  return {
    async query(name, input, options) {
      return parseOutput(name, await call(name, 'run', input, options)) as never;
    },
    async task(name, input, options) {
      const { onPart, ...rest } = options ?? {};
      const partSchema = (contract[name] as { part?: z.ZodType }).part;
      const deliver = onPart && ((value: unknown) => onPart((validateOutputs && partSchema ? partSchema.parse(value) : value) as never));
      return parseOutput(name, await call(name, 'run', input, { ...rest, ...(deliver ? { onPart: deliver } : {}) })) as never;
    },
    async plan(name, input, options) {
      const value = (await call(name, 'plan', input, options)) as { plan: unknown; planHash: string };
      return { plan: contract[name].plan.parse(value.plan), planHash: value.planHash } as never;
    },
    async execute(name, input, planHash, options) {
      return parseOutput(name, await call(name, 'execute', input, options, planHash)) as never;
    },
    subscribe(name, input, listener) {
      const id = nextId();
      const def = contract[name];
      subscriptions.set(id, (payload) => {
        const parsed = def.payload.safeParse(payload);
        if (parsed.success) listener(parsed.data as never);
      });
      transport.send({ type: 'subscribe', id, op: name, input });
      return () => {
        subscriptions.delete(id);
        transport.send({ type: 'unsubscribe', id });
      };
    },
    close() {
      stop();
      for (const call of pending.values()) call.reject(new CopperError('CANCELLED', 'The connection to the core was closed.'));
      pending.clear();
      subscriptions.clear();
    },
  };
}
