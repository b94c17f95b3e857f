import type { GenerationRequest } from '../../src/intent/types.js';
import { completed, pending, storedOperation } from '../../src/providers/completed-operation.js';
import type {
  OperationRef,
  OperationStatus,
  Provider,
  ProviderContext,
  ProviderOutput,
  StartResult,
} from '../../src/providers/types.js';

/** What every finished fake task delivers: the engine stores whatever bytes it gets. */
export const RESULT_BYTES = Buffer.from('fake mp4 bytes for the engine tests');

export const succeededWithBytes = (): OperationStatus => ({
  state: 'succeeded',
  outputs: [{ kind: 'video', contentType: 'video/mp4', source: { type: 'bytes', data: RESULT_BYTES }, seconds: 2 }],
});

/** What a call to `start` received. */
export interface StartCall {
  request: GenerationRequest;
  authorization: string | undefined;
  upstreamModel: string;
}

/**
 * An upstream in memory: `start` and `status` answer from scripts a test sets, and every call is
 * counted. By default a task is created at once and has finished by its first status call.
 */
export class FakeProvider implements Provider {
  readonly protocol = 'fake';
  readonly label = 'Fake';
  idempotentStart = false;
  readonly describeError = (status: number) => ({ message: `HTTP ${status}` });
  readonly starts: StartCall[] = [];
  readonly statusCalls: OperationRef[] = [];
  readonly cancels: OperationRef[] = [];
  /** The Authorization each cancel was sent with. */
  readonly cancelKeys: (string | undefined)[] = [];
  onStart: (request: GenerationRequest, ctx: ProviderContext, call: number) => Promise<StartResult> = async (
    _r,
    _c,
    call,
  ) => pending({ id: `task_${call}` });
  onStatus: (operation: OperationRef, call: number) => Promise<OperationStatus> = async () => succeededWithBytes();
  /** When set, `adapt` notes the channel it fitted the request to. */
  adaptNote?: string;

  constructor(readonly name = 'fake') {}

  authHeaders(apiKey: string): Record<string, string> {
    return apiKey ? { authorization: `Bearer ${apiKey}` } : {};
  }

  adapt(request: GenerationRequest, upstreamModel: string): GenerationRequest {
    if (!this.adaptNote) return request;
    return {
      ...request,
      seconds: 4,
      adjustments: [...request.adjustments, { kind: 'text', text: `${this.adaptNote}: ${upstreamModel} makes 4 s.` }],
    };
  }

  async start(request: GenerationRequest, ctx: ProviderContext): Promise<StartResult> {
    this.starts.push({ request, authorization: ctx.http.authHeaders.authorization, upstreamModel: ctx.upstreamModel });
    return this.onStart(request, ctx, this.starts.length);
  }

  async status(operation: OperationRef): Promise<OperationStatus> {
    this.statusCalls.push(operation);
    return this.onStatus(operation, this.statusCalls.length);
  }

  async cancel(operation: OperationRef, ctx: ProviderContext): Promise<void> {
    this.cancels.push(operation);
    this.cancelKeys.push(ctx.http.authHeaders.authorization);
  }

  pollIntervalMs(): number {
    return 10;
  }
}

/** Status answers that keep a task running until `finish()` is called. */
export function heldTask(): { onStatus: FakeProvider['onStatus']; finish(): void } {
  let done = false;
  return {
    onStatus: async () => (done ? succeededWithBytes() : { state: 'running', progress: 10 }),
    finish: () => {
      done = true;
    },
  };
}

/** A synchronous upstream's finished work as the engine stores it. */
export const completedOperation = (outputs: ProviderOutput[]): OperationRef => storedOperation(completed(outputs));

export { pending };
