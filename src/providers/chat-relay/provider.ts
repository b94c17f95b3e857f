import type { OptionalField } from '../../intent/adjustments.js';
import type { GenerationRequest } from '../../intent/types.js';
import { completed } from '../completed-operation.js';
import { UpstreamError, upstreamFailed, upstreamPolicyBlock } from '../errors.js';
import { readReferences } from '../reference-data.js';
import type { Provider, ProviderContext, ProviderOutput, StartResult } from '../types.js';
import { adaptToRelay } from './adapt.js';
import { findFailure, findMedia, lastLine } from './answer.js';
import { describeRelayError } from './errors.js';
import { IdleTimer } from './idle-timer.js';
import type { RelayOptions } from './options.js';
import { ProgressScanner } from './progress.js';
import { relayBody, relayPrompt } from './request.js';
import { readRelayAnswer, type RelayAnswer } from './stream.js';

/** A refusal that comes after the relay passed this percentage was a review of the result. */
const OUTPUT_REVIEW_AFTER = 90;

/**
 * An upstream that serves media models through `/v1/chat/completions`, like the seeds. It has no
 * task id to poll, so `start` reads the whole answer — reporting the progress it prints — and
 * returns a completed operation holding the media link, which the engine downloads and re-hosts.
 * Because nothing can be polled or resumed, an answer cut off after anything arrived is ambiguous
 * (the relay may still be generating) and is never submitted again.
 */
export class ChatRelayProvider implements Provider {
  readonly protocol = 'chat-relay';
  readonly label: string;
  readonly idempotentStart = false;
  readonly describeError = describeRelayError;

  constructor(private readonly options: RelayOptions) {
    this.label = options.label;
  }

  authHeaders(apiKey: string): Record<string, string> {
    if (!apiKey) return {};
    return { authorization: this.options.authScheme === 'bare' ? apiKey : `Bearer ${apiKey}` };
  }

  /** A chat message has fields for none of them; duration and ratio are written into the prompt. */
  reads(): readonly OptionalField[] {
    return [];
  }

  adapt(req: GenerationRequest, upstreamModel: string): GenerationRequest {
    return adaptToRelay(req, upstreamModel, this.options);
  }

  async start(req: GenerationRequest, ctx: ProviderContext): Promise<StartResult> {
    const references = await readReferences(ctx, req.references);
    const body = relayBody(ctx.upstreamModel, relayPrompt(req, this.options), references, this.options.stream);
    const answer = await this.converse(body, ctx);
    const outputs = await this.outputs(answer.answer, req, ctx, answer.progress);
    return completed(outputs);
  }

  /** Sends the completion and reads its answer, reporting progress as it is printed. */
  private async converse(
    body: Record<string, unknown>,
    ctx: ProviderContext,
  ): Promise<{ answer: RelayAnswer; progress: number }> {
    const idle = new IdleTimer(this.options.idleTimeoutMs);
    const signal = ctx.signal ? AbortSignal.any([ctx.signal, idle.signal]) : idle.signal;
    const progress = new ProgressScanner();
    try {
      let response: Response;
      try {
        response = await ctx.http.raw({
          path: 'chat/completions',
          json: body,
          headers: { accept: this.options.stream ? 'text/event-stream, application/json' : 'application/json' },
          timeoutMs: this.options.streamTimeoutMs,
          signal,
        });
      } catch (err) {
        if (err instanceof UpstreamError || ctx.signal?.aborted || !idle.fired) throw err;
        // The request was sent: a relay that answers only when done may be generating (and billing) it still.
        throw new UpstreamError('ambiguous', {
          code: 'upstream_timeout',
          message: `${this.label} sent no answer within ${Math.round(this.options.idleTimeoutMs / 1000)} s; it may still be generating, so the job was not resubmitted.`,
        });
      }
      const answer = await readRelayAnswer(response, {
        onBytes: () => idle.reset(),
        onText: (text) => {
          const rose = progress.push(text);
          if (rose !== undefined) ctx.reportProgress(rose);
        },
      });
      if (ctx.signal?.aborted) throw ctx.signal.reason ?? new Error('aborted');
      return { answer, progress: progress.highest };
    } finally {
      idle.stop();
    }
  }

  /** The media in a finished answer, or the error it amounts to. */
  private async outputs(
    answer: RelayAnswer,
    req: GenerationRequest,
    ctx: ProviderContext,
    progress: number,
  ): Promise<ProviderOutput[]> {
    const stage = progress > OUTPUT_REVIEW_AFTER ? 'output' : 'prompt';
    const text = answer.content || answer.reasoning;
    const said = findFailure(answer.error ? `❌ ${answer.error.message}` : text);
    const links = answer.error ? [] : findMedia(text, req.kind, ctx.http.baseUrl);
    if (links.length > 0 && !/❌/.test(text)) return Promise.all(links.map((link) => this.output(link, req, ctx)));
    if (said) {
      const message = `${this.label}: ${said.message}`;
      if (said.policy) throw upstreamPolicyBlock(stage, 'upstream_moderation', message, answer.error?.code);
      throw new UpstreamError('rejected', upstreamFailed('upstream_task_failed', message), {
        upstreamCode: answer.error?.code,
      });
    }
    if (!answer.complete || answer.cut) {
      if (!answer.received) {
        throw new UpstreamError('not_accepted', {
          code: 'upstream_unreachable',
          message: `${this.label} closed the connection before answering.`,
        });
      }
      // It may be generating still (and billing): never resubmit.
      throw new UpstreamError('ambiguous', {
        code: 'upstream_stream_interrupted',
        message: `${this.label}'s answer was cut off at ${progress}% before it named a result; the job was not resubmitted to avoid a duplicate charge.`,
      });
    }
    const quoted = lastLine(text);
    throw new UpstreamError('ambiguous', {
      code: 'upstream_bad_response',
      message: `${this.label} finished without a media link${quoted ? `: "${quoted}"` : '.'}`,
    });
  }

  private async output(
    link: { url: string; contentType: string },
    req: GenerationRequest,
    ctx: ProviderContext,
  ): Promise<ProviderOutput> {
    const base = {
      kind: req.kind,
      contentType: link.contentType,
      width: req.width,
      height: req.height,
      ...(req.kind === 'video' && req.seconds !== undefined && { seconds: req.seconds }),
    };
    const inline = /^data:[^;]+;base64,(.*)$/is.exec(link.url);
    // An inline image goes to storage now: the operation must not carry media.
    if (inline) return { ...base, source: await ctx.storeOutput(Buffer.from(inline[1], 'base64'), link.contentType) };
    return { ...base, source: { type: 'url', url: link.url } };
  }

  pollIntervalMs(): number {
    return 0;
  }
}
