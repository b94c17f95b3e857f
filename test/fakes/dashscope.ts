import { randomBytes, randomUUID } from 'node:crypto';
import sharp from 'sharp';
import { FakeUpstream, type RecordedRequest, type Reply } from './fake-upstream.js';
import { fakeImage, fakeVideo } from './media.js';

/**
 * What the fake does with the next submissions, switchable per test:
 * - `inspect-at-submit`: 400 DataInspectionFailed on submission (nothing is created);
 * - `inspect-failed`: the task is created, runs, then ends FAILED with DataInspectionFailed;
 * - `task-failed`: the task ends FAILED with an ordinary error;
 * - `expired-task`: the task is created but every status call answers UNKNOWN (expired / not found);
 * - `throttle`: 429 Throttling.RateQuota; `arrearage`: 400 Arrearage (account out of credit).
 */
export type DashScopeMode =
  | 'normal'
  | 'inspect-at-submit'
  | 'inspect-failed'
  | 'task-failed'
  | 'expired-task'
  | 'throttle'
  | 'arrearage';

type Outcome = 'succeed' | 'inspect-failed' | 'task-failed' | 'expired-task' | 'media-required';

interface Task {
  id: string;
  createdAt: number;
  outcome: Outcome;
  cancelled: boolean;
  /** Result links, made when the task is created, served once it succeeded. */
  links: string[];
  usage: Record<string, unknown>;
  extra: Record<string, unknown>;
}

interface Blob {
  contentType: string;
  make: () => Promise<Buffer>;
  expiresAt: number;
}

const QWEN_IMAGE_MODELS = ['qwen-image', 'qwen-image-plus'];
const QWEN_IMAGE_SIZES = ['1664*928', '1472*1140', '1328*1328', '1140*1472', '928*1664'];
const EDIT_MODELS: Record<string, { maxImages: number; maxN: number }> = {
  'qwen-image-edit': { maxImages: 1, maxN: 1 },
  'qwen-image-edit-plus': { maxImages: 3, maxN: 6 },
};
const T2V_TIERS = {
  '480P': ['832*480', '480*832', '624*624'],
  '720P': ['1280*720', '720*1280', '960*960', '1088*832', '832*1088'],
  '1080P': ['1920*1080', '1080*1920', '1440*1440', '1632*1248', '1248*1632'],
};
const ALL_T2V_SIZES = Object.values(T2V_TIERS).flat();
const SHORT_SIDE: Record<string, number> = { '480P': 480, '720P': 720, '1080P': 1080 };
const WAN_MODELS: Record<string, { durations: number[]; kind: 't2v' | 'i2v'; media: boolean }> = {
  'wan2.5-t2v-preview': { durations: [5, 10], kind: 't2v', media: false },
  'wan2.5-i2v-preview': { durations: [5, 10], kind: 'i2v', media: false },
  'wan2.2-t2v-plus': { durations: [5], kind: 't2v', media: false },
  'wan2.2-i2v-plus': { durations: [5], kind: 'i2v', media: false },
  'wan2.7-t2v': { durations: [2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15], kind: 't2v', media: true },
  'wan2.7-i2v': { durations: [2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15], kind: 'i2v', media: true },
};
const MEDIA_RATIOS: Record<string, [number, number]> = {
  '16:9': [16, 9],
  '9:16': [9, 16],
  '1:1': [1, 1],
  '4:3': [4, 3],
  '3:4': [3, 4],
};

const even = (n: number) => Math.max(2, Math.round(n / 2) * 2);
const isRecord = (v: unknown): v is Record<string, any> => typeof v === 'object' && v !== null && !Array.isArray(v);
const clock = (ms: number) => new Date(ms + 8 * 3_600_000).toISOString().replace('T', ' ').replace('Z', '');

/**
 * Alibaba DashScope as documented (shared/reference upstream-protocols §7, video-protocols §2):
 * Bearer auth; the async endpoints demand `X-DashScope-Async: enable` and the synchronous one refuses
 * it, each with the real 403; sizes are `W*H` from the documented lists; qwen-image takes `n: 1`;
 * tasks go PENDING → RUNNING → SUCCEEDED over `taskMs`; results are real PNGs/MP4s behind
 * signed-looking OSS links that can be made to expire. `accepted` counts accepted submissions.
 */
export class FakeDashScope extends FakeUpstream {
  accepted = 0;
  mode: DashScopeMode = 'normal';
  /** How long a task takes from creation to its end (the first 30 % PENDING). */
  taskMs = 1_200;
  /**
   * Videos are rendered at this fraction of the size the task makes (1 = faithful). Tests on the
   * shared 2-core machine use a quarter: the duration and shape stay exact, the encode is 16x cheaper.
   */
  videoScale = 1;
  /** Result links answer 403 "Request has expired", as OSS does after the link's lifetime. */
  resultsExpired = false;
  private readonly tasks = new Map<string, Task>();
  private readonly blobs = new Map<string, Blob>();

  constructor(readonly validKeys: string[] = ['sk-fake-dashscope']) {
    super();
    this.route('POST', '/api/v1/services/aigc/text2image/image-synthesis', (req) =>
      this.guard(req, 'async', () => this.textToImage(req.json)),
    );
    this.route('POST', '/api/v1/services/aigc/multimodal-generation/generation', (req) =>
      this.guard(req, 'sync', () => this.multimodal(req.json)),
    );
    this.route('POST', '/api/v1/services/aigc/video-generation/video-synthesis', (req) =>
      this.guard(req, 'async', () => this.video(req.json)),
    );
    this.route(
      'GET',
      /^\/api\/v1\/tasks\/[^/]+$/,
      (req) => this.authorised(req) ?? this.task(decodeURIComponent(req.path.split('/').pop()!)),
    );
    this.route(
      'POST',
      /^\/api\/v1\/tasks\/[^/]+\/cancel$/,
      (req) => this.authorised(req) ?? this.cancel(decodeURIComponent(req.path.split('/')[4])),
    );
    this.route('GET', /^\/oss\/[^/]+$/, (req) => this.download(req));
  }

  /** Forgets per-test switches. */
  reset(): void {
    this.mode = 'normal';
    this.resultsExpired = false;
  }

  private error(status: number, code: string, message: string): Reply {
    return { status, body: { request_id: randomUUID(), code, message } };
  }

  private authorised(req: RecordedRequest): Reply | undefined {
    const header = req.headers.authorization ?? '';
    if (!header) return this.error(401, 'InvalidApiKey', 'No API-key provided.');
    const key = header.startsWith('Bearer ') ? header.slice(7) : '';
    if (!this.validKeys.includes(key)) return this.error(401, 'InvalidApiKey', 'Invalid API-key provided.');
    return undefined;
  }

  /** Auth, call mode, JSON body and the account-level modes, in the order the service checks them. */
  private async guard(req: RecordedRequest, mode: 'async' | 'sync', handle: () => Promise<Reply>): Promise<Reply> {
    const denied = this.authorised(req);
    if (denied) return denied;
    const asynchronous = String(req.headers['x-dashscope-async'] ?? '').toLowerCase() === 'enable';
    if (mode === 'async' && !asynchronous)
      return this.error(403, 'AccessDenied', 'current user api does not support synchronous calls');
    if (mode === 'sync' && asynchronous)
      return this.error(403, 'AccessDenied', 'current user api does not support asynchronous calls');
    if (!isRecord(req.json)) return this.error(400, 'InvalidParameter', 'The request body must be a JSON object.');
    if (this.mode === 'throttle')
      return this.error(429, 'Throttling.RateQuota', 'Requests rate limit exceeded, please try again later.');
    if (this.mode === 'arrearage')
      return this.error(400, 'Arrearage', 'Access denied, please make sure your account is in good standing.');
    if (this.mode === 'inspect-at-submit')
      return this.error(400, 'DataInspectionFailed', 'Input data may contain inappropriate content.');
    return handle();
  }

  private createTask(
    extra: Record<string, unknown>,
    outcome: Outcome,
    links: string[],
    usage: Record<string, unknown>,
  ): Reply {
    const id = randomUUID();
    const fromMode: Outcome | undefined =
      this.mode === 'inspect-failed' || this.mode === 'task-failed' || this.mode === 'expired-task'
        ? this.mode
        : undefined;
    this.tasks.set(id, {
      id,
      createdAt: Date.now(),
      outcome: fromMode ?? outcome,
      cancelled: false,
      links,
      usage,
      extra,
    });
    this.accepted++;
    return { status: 200, body: { request_id: randomUUID(), output: { task_id: id, task_status: 'PENDING' } } };
  }

  /** A signed-looking OSS link on this fake, valid for 24 h unless `resultsExpired` (then its `Expires` has passed, as on OSS). */
  private link(name: string, contentType: string, make: () => Promise<Buffer>): string {
    const expiresAt = this.resultsExpired ? Date.now() - 1_000 : Date.now() + 86_400_000;
    this.blobs.set(name, { contentType, make, expiresAt });
    return `${this.url}/oss/${name}?Expires=${Math.floor(expiresAt / 1000)}&OSSAccessKeyId=LTAI5tFakeKey&Signature=${encodeURIComponent(randomBytes(20).toString('base64'))}`;
  }

  private async textToImage(body: Record<string, any>): Promise<Reply> {
    const model = body.model;
    if (typeof model !== 'string' || !QWEN_IMAGE_MODELS.includes(model))
      return this.error(400, 'InvalidParameter', 'Model not exist.');
    const input = body.input;
    if (!isRecord(input) || typeof input.prompt !== 'string' || !input.prompt.trim())
      return this.error(400, 'InvalidParameter', 'Field required: input.prompt');
    if (input.negative_prompt !== undefined && typeof input.negative_prompt !== 'string')
      return this.error(400, 'InvalidParameter', 'input.negative_prompt must be a string');
    const p = body.parameters ?? {};
    if (!isRecord(p)) return this.error(400, 'InvalidParameter', 'parameters must be an object');
    const size = p.size ?? '1328*1328';
    const sizeError = this.checkSize(size, QWEN_IMAGE_SIZES);
    if (sizeError) return sizeError;
    if (p.n !== undefined && p.n !== 1) return this.error(400, 'InvalidParameter', `n must be 1 for ${model}`);
    const common = this.checkCommon(p);
    if (common) return common;
    const [w, h] = size.split('*').map(Number);
    const url = this.link(`${randomUUID()}.png`, 'image/png', () => fakeImage(w, h, 'png'));
    return this.createTask({ kind: 'image', orig_prompt: input.prompt }, 'succeed', [url], { image_count: 1 });
  }

  private async multimodal(body: Record<string, any>): Promise<Reply> {
    const model = body.model;
    const spec = typeof model === 'string' ? EDIT_MODELS[model] : undefined;
    if (!spec) return this.error(400, 'InvalidParameter', 'Model not exist.');
    const messages = body.input?.messages;
    if (
      !Array.isArray(messages) ||
      messages.length !== 1 ||
      messages[0]?.role !== 'user' ||
      !Array.isArray(messages[0].content)
    ) {
      return this.error(400, 'InvalidParameter', 'input.messages must hold one user message whose content is a list');
    }
    const parts: Record<string, unknown>[] = messages[0].content;
    const images = parts.filter((c) => isRecord(c) && 'image' in c).map((c) => c.image);
    const texts = parts.filter((c) => isRecord(c) && 'text' in c).map((c) => c.text);
    if (texts.length !== 1 || typeof texts[0] !== 'string' || !texts[0].trim())
      return this.error(400, 'InvalidParameter', 'Exactly one text item is required in content');
    if (images.length < 1 || images.length > spec.maxImages)
      return this.error(400, 'InvalidParameter', `${model} takes 1 to ${spec.maxImages} images`);
    const decoded = [];
    for (const image of images) {
      const info = await this.readImage(image, 'image');
      if ('status' in info) return info;
      decoded.push(info);
    }
    const p = body.parameters ?? {};
    if (!isRecord(p)) return this.error(400, 'InvalidParameter', 'parameters must be an object');
    const n = p.n ?? 1;
    if (!Number.isInteger(n) || n < 1 || n > spec.maxN)
      return this.error(400, 'InvalidParameter', `n must be an integer from 1 to ${spec.maxN}`);
    let [w, h] = [decoded[0].width, decoded[0].height];
    if (p.size !== undefined) {
      const sizeError = this.checkSize(p.size, undefined);
      if (sizeError) return sizeError;
      [w, h] = p.size.split('*').map(Number);
      if (w < 512 || h < 512 || w > 2048 || h > 2048)
        return this.error(400, 'InvalidParameter', 'width and height must be between 512 and 2048');
    }
    const common = this.checkCommon(p);
    if (common) return common;
    if (p.negative_prompt !== undefined && typeof p.negative_prompt !== 'string')
      return this.error(400, 'InvalidParameter', 'negative_prompt must be a string');
    const content = Array.from({ length: n }, () => ({
      image: this.link(`${randomUUID()}.png`, 'image/png', () => fakeImage(w, h, 'png', '#3355cc')),
    }));
    this.accepted++;
    return {
      status: 200,
      body: {
        output: { choices: [{ finish_reason: 'stop', message: { role: 'assistant', content } }] },
        usage: { width: w, height: h, image_count: n },
        request_id: randomUUID(),
      },
    };
  }

  private async video(body: Record<string, any>): Promise<Reply> {
    const model = body.model;
    const spec = typeof model === 'string' ? WAN_MODELS[model] : undefined;
    if (!spec) return this.error(400, 'InvalidParameter', 'Model not exist.');
    const input = body.input;
    if (!isRecord(input)) return this.error(400, 'InvalidParameter', 'Field required: input');
    if (spec.kind === 't2v' && (typeof input.prompt !== 'string' || !input.prompt.trim()))
      return this.error(400, 'InvalidParameter', 'Field required: input.prompt');
    if (input.prompt !== undefined && typeof input.prompt !== 'string')
      return this.error(400, 'InvalidParameter', 'input.prompt must be a string');
    const p = body.parameters ?? {};
    if (!isRecord(p)) return this.error(400, 'InvalidParameter', 'parameters must be an object');
    const duration = p.duration ?? 5;
    if (typeof duration !== 'number' || !Number.isInteger(duration))
      return this.error(400, 'InvalidParameter', 'parameters.duration must be an integer');
    if (!spec.durations.includes(duration))
      return this.error(
        400,
        'InvalidParameter',
        `duration ${duration} is not supported by ${model}; use ${spec.durations.join(', ')}`,
      );
    const common = this.checkCommon(p);
    if (common) return common;

    let width: number;
    let height: number;
    let outcome: Outcome = 'succeed';
    const extra: Record<string, unknown> = { kind: 'video', orig_prompt: input.prompt ?? '' };
    if (spec.media) {
      // wan2.7: `img_url` is accepted, then the task fails (observed); media items are {type, url}.
      const resolution = p.resolution ?? '1080P';
      if (!['720P', '1080P'].includes(resolution))
        return this.error(400, 'InvalidParameter', 'resolution must be 720P or 1080P');
      if (p.size !== undefined)
        return this.error(400, 'InvalidParameter', 'size is not supported; use resolution and ratio');
      const media = input.media;
      if (
        media !== undefined &&
        (!Array.isArray(media) ||
          media.some((m) => !isRecord(m) || typeof m.type !== 'string' || typeof m.url !== 'string'))
      ) {
        return this.error(400, 'InvalidParameter', 'input.media must be a list of {type, url}');
      }
      let ratio: [number, number] = MEDIA_RATIOS[p.ratio ?? '16:9'] ?? [0, 0];
      if (spec.kind === 't2v' && !MEDIA_RATIOS[p.ratio ?? '16:9'])
        return this.error(400, 'InvalidParameter', 'ratio must be one of 16:9, 9:16, 1:1, 4:3, 3:4');
      if (spec.kind === 'i2v') {
        const first = (media ?? []).find((m: Record<string, string>) => m.type === 'first_frame');
        if (!first) outcome = 'media-required';
        else {
          const info = await this.readImage(first.url, 'input.media.first_frame', 240, 8000);
          if ('status' in info) return info;
          ratio = [info.width, info.height];
        }
        if (!first && input.img_url === undefined)
          return this.error(400, 'InvalidParameter', 'Field required: input.media');
      }
      const short = SHORT_SIDE[resolution];
      [width, height] =
        ratio[0] >= ratio[1]
          ? [even((short * ratio[0]) / ratio[1]), short]
          : [short, even((short * ratio[1]) / ratio[0])];
      if (outcome === 'media-required') [width, height] = [2, 2];
    } else if (spec.kind === 't2v') {
      const size = p.size ?? '1920*1080';
      const sizeError = this.checkSize(size, ALL_T2V_SIZES);
      if (sizeError) return sizeError;
      [width, height] = size.split('*').map(Number);
      if (input.img_url !== undefined)
        return this.error(400, 'InvalidParameter', `${model} is text-to-video and takes no img_url`);
    } else {
      const resolution = p.resolution ?? '1080P';
      if (!SHORT_SIDE[resolution])
        return this.error(400, 'InvalidParameter', 'resolution must be one of 480P, 720P, 1080P');
      if (input.img_url === undefined) return this.error(400, 'InvalidParameter', 'Field required: input.img_url');
      const info = await this.readImage(input.img_url, 'input.img_url', 360, 2000);
      if ('status' in info) return info;
      const short = SHORT_SIDE[resolution];
      [width, height] =
        info.width >= info.height
          ? [even((short * info.width) / info.height), short]
          : [short, even((short * info.height) / info.width)];
    }
    const [renderW, renderH] = [even(width * this.videoScale), even(height * this.videoScale)];
    const url = this.link(`${randomUUID()}.mp4`, 'video/mp4', () => fakeVideo(duration, renderW, renderH));
    return this.createTask(extra, outcome, [url], {
      video_duration: duration,
      video_ratio: `${width}*${height}`,
      video_count: 1,
    });
  }

  private checkSize(size: unknown, allowed: string[] | undefined): Reply | undefined {
    if (typeof size !== 'string' || !/^\d+\*\d+$/.test(size)) {
      return this.error(
        400,
        'InvalidParameter',
        `size must be "width*height" (an asterisk, not "x"); got ${JSON.stringify(size)}`,
      );
    }
    if (allowed && !allowed.includes(size))
      return this.error(400, 'InvalidParameter', `size ${size} is not one of ${allowed.join(', ')}`);
    return undefined;
  }

  private checkCommon(p: Record<string, any>): Reply | undefined {
    for (const flag of ['prompt_extend', 'watermark']) {
      if (p[flag] !== undefined && typeof p[flag] !== 'boolean')
        return this.error(400, 'InvalidParameter', `${flag} must be a boolean`);
    }
    if (p.seed !== undefined && (!Number.isInteger(p.seed) || p.seed < 0 || p.seed > 2_147_483_647))
      return this.error(400, 'InvalidParameter', 'seed must be an integer in [0, 2147483647]');
    return undefined;
  }

  /** A `data:` image (decoded and size-checked) or a public link (not fetched by the fake). */
  private async readImage(
    value: unknown,
    field: string,
    minSide = 1,
    maxSide = 100_000,
  ): Promise<{ width: number; height: number } | Reply> {
    if (typeof value !== 'string') return this.error(400, 'InvalidParameter', `${field} must be a URL or a data URL`);
    if (/^https?:\/\//.test(value)) return { width: 1024, height: 1024 };
    const m = /^data:image\/(png|jpeg|jpg|webp|bmp);base64,([A-Za-z0-9+/=]+)$/.exec(value);
    if (!m) return this.error(400, 'InvalidParameter', `${field} is neither a URL nor a base64 data URL of an image`);
    try {
      const meta = await sharp(Buffer.from(m[2], 'base64')).metadata();
      const width = meta.width ?? 0;
      const height = meta.height ?? 0;
      if (Math.min(width, height) < minSide || Math.max(width, height) > maxSide) {
        return this.error(
          400,
          'InvalidParameter',
          `${field}: image sides must be between ${minSide} and ${maxSide} pixels`,
        );
      }
      return { width, height };
    } catch {
      return this.error(400, 'InvalidParameter', `${field} could not be decoded as an image`);
    }
  }

  private task(id: string): Reply {
    const task = this.tasks.get(id);
    const requestId = randomUUID();
    if (!task || task.outcome === 'expired-task')
      return { status: 200, body: { request_id: requestId, output: { task_id: id, task_status: 'UNKNOWN' } } };
    const age = Date.now() - task.createdAt;
    const times = { submit_time: clock(task.createdAt) };
    if (task.cancelled)
      return {
        status: 200,
        body: { request_id: requestId, output: { task_id: id, task_status: 'CANCELED', ...times } },
      };
    if (age < this.taskMs * 0.3)
      return {
        status: 200,
        body: { request_id: requestId, output: { task_id: id, task_status: 'PENDING', ...times } },
      };
    const running = { ...times, scheduled_time: clock(task.createdAt + this.taskMs * 0.3) };
    if (age < this.taskMs)
      return {
        status: 200,
        body: { request_id: requestId, output: { task_id: id, task_status: 'RUNNING', ...running } },
      };
    const ended = { ...running, end_time: clock(task.createdAt + this.taskMs) };
    const failed = (code: string, message: string) => ({
      status: 200,
      body: { request_id: requestId, output: { task_id: id, task_status: 'FAILED', ...ended, code, message } },
    });
    if (task.outcome === 'inspect-failed')
      return failed('DataInspectionFailed', 'Output data may contain inappropriate content.');
    if (task.outcome === 'task-failed')
      return failed('InternalError.Algo', 'An internal error occurred while generating: inference timed out.');
    if (task.outcome === 'media-required') return failed('InvalidParameter', 'Field required: input.media');
    const output =
      task.extra.kind === 'video'
        ? {
            task_id: id,
            task_status: 'SUCCEEDED',
            ...ended,
            orig_prompt: task.extra.orig_prompt,
            actual_prompt: task.extra.orig_prompt,
            video_url: task.links[0],
          }
        : {
            task_id: id,
            task_status: 'SUCCEEDED',
            ...ended,
            results: task.links.map((url) => ({
              orig_prompt: task.extra.orig_prompt,
              actual_prompt: task.extra.orig_prompt,
              url,
            })),
            task_metrics: { TOTAL: task.links.length, SUCCEEDED: task.links.length, FAILED: 0 },
          };
    return { status: 200, body: { request_id: requestId, output, usage: task.usage } };
  }

  private cancel(id: string): Reply {
    const task = this.tasks.get(id);
    if (!task) return this.error(404, 'NotFound', 'The task does not exist.');
    if (Date.now() - task.createdAt >= this.taskMs * 0.3 || task.cancelled) {
      return this.error(
        400,
        'UnsupportedOperation',
        'Failed to cancel the task, please confirm if the task status is PENDING.',
      );
    }
    task.cancelled = true;
    return { status: 200, body: { request_id: randomUUID() } };
  }

  private async download(req: RecordedRequest): Promise<Reply> {
    const blob = this.blobs.get(req.path.slice('/oss/'.length));
    if (!blob)
      return {
        status: 404,
        headers: { 'content-type': 'application/xml' },
        body: '<?xml version="1.0" encoding="UTF-8"?><Error><Code>NoSuchKey</Code><Message>The specified key does not exist.</Message></Error>',
      };
    if (!req.query.get('Signature') || !req.query.get('Expires')) {
      return {
        status: 403,
        headers: { 'content-type': 'application/xml' },
        body: '<?xml version="1.0" encoding="UTF-8"?><Error><Code>AccessDenied</Code><Message>You have no right to access this object.</Message></Error>',
      };
    }
    if (this.resultsExpired || Date.now() > blob.expiresAt) {
      return {
        status: 403,
        headers: { 'content-type': 'application/xml' },
        body: '<?xml version="1.0" encoding="UTF-8"?><Error><Code>AccessDenied</Code><Message>Request has expired.</Message></Error>',
      };
    }
    return { status: 200, headers: { 'content-type': blob.contentType }, body: await blob.make() };
  }
}
