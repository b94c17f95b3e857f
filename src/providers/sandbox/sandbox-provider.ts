import { createHash, randomBytes } from 'node:crypto';
import { appendFile, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { GenerationRequest } from '../../intent/types.js';
import { z } from 'zod';
import { pending } from '../completed-operation.js';
import { readOperation } from '../operation.js';
import type {
  OperationRef,
  OperationStatus,
  Provider,
  ProviderContext,
  ProviderOutput,
  StartResult,
} from '../types.js';
import { resolveFfmpegPath } from './ffmpeg-path.js';
import { RenderCache } from './render-cache.js';
import { RENDER_VERSION, renderImage, type ImageFormat } from './render-image.js';
import { renderVideo } from './render-video.js';

export interface SandboxOptions {
  dataDir: string;
  imageLatencyMs: number;
  videoLatencyMs: number;
  /** Interval between progress reports. */
  pollMs: number;
  ffmpegPath?: string;
}

/*
 * Test hooks for client developers, so error handling can be exercised without a real upstream:
 * `#sandbox-fail` fails half-way like an upstream error; `#sandbox-moderation` fails at 95 % like
 * a result that did not pass review (real services fail after 90 % for that reason).
 */
const FAIL_HOOK = '#sandbox-fail';
const MODERATION_HOOK = '#sandbox-moderation';

/** The sandbox's operation: when it started and how long it takes (the render happens on the last poll). */
const sandboxOperationSchema = z.object({ operationId: z.string(), startedAt: z.number(), latencyMs: z.number() });

const IMAGE_TYPES: Record<ImageFormat, string> = { png: 'image/png', jpeg: 'image/jpeg', webp: 'image/webp' };

/**
 * A provider that renders real media locally. Its operation is just a start time, so status is
 * computed from the wall clock and keeps advancing correctly across a gateway restart.
 */
export class SandboxProvider implements Provider {
  readonly protocol = 'sandbox';
  readonly label = 'Sandbox';
  readonly idempotentStart = true;
  readonly describeError = (status: number) => ({ message: `HTTP ${status}` });
  private readonly cache: RenderCache;
  private readonly ffmpegPath: string;
  private readonly operationsLog: string;
  /** Moderation-hook operations that have already reported progress past 90 %. */
  private readonly shownReview = new Set<string>();

  constructor(private readonly options: SandboxOptions) {
    this.cache = new RenderCache(join(options.dataDir, 'sandbox', 'cache'));
    this.ffmpegPath = resolveFfmpegPath(options.ffmpegPath);
    this.operationsLog = join(options.dataDir, 'sandbox', 'operations.jsonl');
  }

  get renders(): number {
    return this.cache.renders;
  }

  async close(): Promise<void> {
    await this.cache.settle();
  }

  async start(req: GenerationRequest): Promise<StartResult> {
    if (req.kind === 'video' && !req.seconds) throw new Error('a video request reached the sandbox without a duration');
    const operationId = `sbx_${randomBytes(8).toString('hex')}`;
    const latencyMs = req.kind === 'video' ? this.options.videoLatencyMs : this.options.imageLatencyMs;
    // One line per accepted operation: the record tests use to prove nothing is submitted twice.
    await mkdir(join(this.options.dataDir, 'sandbox'), { recursive: true });
    await appendFile(
      this.operationsLog,
      `${JSON.stringify({ operationId, model: req.model, prompt: req.prompt, at: Date.now() })}\n`,
    );
    return pending({ operationId, startedAt: Date.now(), latencyMs });
  }

  async status(operation: OperationRef, req: GenerationRequest, ctx: ProviderContext): Promise<OperationStatus> {
    const { operationId, startedAt, latencyMs } = readOperation(sandboxOperationSchema, operation, this.label);
    const fraction = latencyMs <= 0 ? 1 : (Date.now() - startedAt) / latencyMs;
    if (req.prompt.includes(FAIL_HOOK) && fraction >= 0.5) {
      return {
        state: 'failed',
        error: {
          code: 'upstream_error',
          message: `The sandbox failed this job on request (${FAIL_HOOK} in the prompt).`,
        },
      };
    }
    if (req.prompt.includes(MODERATION_HOOK) && fraction >= 0.9 && !this.shownReview.has(operationId)) {
      // Always show progress past 90 % before the block, however the polls fall, as real services do.
      this.shownReview.add(operationId);
      return { state: 'running', progress: Math.max(95, Math.min(99, Math.floor(fraction * 100))) };
    }
    if (req.prompt.includes(MODERATION_HOOK) && fraction >= 0.9) {
      this.shownReview.delete(operationId);
      return {
        state: 'failed',
        error: {
          code: 'content_policy_violation',
          stage: 'output',
          category: 'sandbox',
          message: `The generated result did not pass review (sandbox test hook ${MODERATION_HOOK}).`,
        },
      };
    }
    if (fraction < 1 || req.prompt.includes(MODERATION_HOOK))
      return { state: 'running', progress: Math.min(99, Math.floor(fraction * 100)) };
    const reference = req.references[0] ? await ctx.readReference(req.references[0].key) : null;
    let outputs: ProviderOutput[];
    try {
      outputs = req.kind === 'video' ? [await this.video(req, reference)] : await this.images(req, reference);
    } catch (err) {
      // The same request renders the same way every time: a render that failed once always fails,
      // so the job fails now, as an upstream's failed task does, instead of being polled again.
      const reason = err instanceof Error ? err.message : String(err);
      return {
        state: 'failed',
        error: {
          code: 'upstream_error',
          message: `The sandbox could not render this request: ${reason.slice(0, 300)}`,
        },
      };
    }
    return { state: 'succeeded', outputs };
  }

  async cancel(): Promise<void> {
    // Nothing runs upstream; a cancelled sandbox job simply stops being polled.
  }

  authHeaders(): Record<string, string> {
    return {};
  }

  pollIntervalMs(attempt: number): number {
    // The first look comes at once, so a zero-latency sandbox answers without a poll delay.
    return attempt === 0 ? 0 : this.options.pollMs;
  }

  private renderKey(req: GenerationRequest, reference: Buffer | null, extra: unknown): string {
    const { prompt, model, width, height, seconds, seed, format } = req;
    const refHash = reference ? createHash('sha256').update(reference).digest('hex') : null;
    return RenderCache.keyOf({
      prompt,
      model,
      width,
      height,
      seconds,
      seed,
      format,
      refHash,
      extra,
      renderer: RENDER_VERSION,
    });
  }

  private async images(req: GenerationRequest, reference: Buffer | null): Promise<ProviderOutput[]> {
    const format = (req.format === 'mp4' ? 'png' : req.format) as ImageFormat;
    const outputs: ProviderOutput[] = [];
    for (let index = 0; index < req.n; index++) {
      const path = await this.cache.get(this.renderKey(req, reference, index), format, async (temp) =>
        writeFile(temp, await renderImage(req, reference, format, { width: req.width, height: req.height, index })),
      );
      outputs.push({
        kind: 'image',
        contentType: IMAGE_TYPES[format],
        source: { type: 'file', path },
        width: req.width,
        height: req.height,
      });
    }
    return outputs;
  }

  private async video(req: GenerationRequest, reference: Buffer | null): Promise<ProviderOutput> {
    // Not tied to one job's abort signal: identical jobs may be sharing this render.
    const path = await this.cache.get(this.renderKey(req, reference, 'video'), 'mp4', (temp) =>
      renderVideo(req, reference, temp, this.ffmpegPath),
    );
    return {
      kind: 'video',
      contentType: 'video/mp4',
      source: { type: 'file', path },
      width: req.width - (req.width % 2),
      height: req.height - (req.height % 2),
      seconds: req.seconds,
    };
  }
}
