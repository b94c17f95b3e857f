import { randomBytes } from 'node:crypto';
import sharp from 'sharp';
import { FakeUpstream, elapsed, type RecordedRequest, type Reply } from './fake-upstream.js';
import { fakeImage, fakeVideo } from './media.js';

/**
 * How a task created from now on ends. `expired`: status `expired` with `expires_at` in the past;
 * `content-gone`: `completed`, but `/content` answers 404; `moderation`: `failed` at 95 % with
 * `moderation_blocked`; `failed`: `failed` half-way with a plain error; `cancelled`: `cancelled`
 * half-way; `not-found`: every retrieve answers 404.
 */
export type FakeVideoOutcome =
  | 'completed'
  | 'expired'
  | 'content-gone'
  | 'moderation'
  | 'failed'
  | 'cancelled'
  | 'not-found';

export interface FakeOpenAiVideosOptions {
  keys?: string[];
  /** How long a task takes from creation to `completed`. */
  durationMs?: number;
  /**
   * `openai`: the documented Sora API. `reseller`: a new-api-style variant — `duration` as a number
   * (5 or 10), `size` as `WxH` or a ratio, statuses `queued`/`processing`/`succeeded`, and the result
   * link in `metadata.url` (an unauthenticated CDN path) as well as at `/content`.
   */
  style?: 'openai' | 'reseller';
  /** The MP4 served is this fraction of the requested size (same shape), to keep tests fast. */
  videoScale?: number;
  /** Host name in reseller result links (e.g. `localhost`, so the link is on another origin than the API). */
  cdnHost?: string;
}

interface Task {
  id: string;
  model: string;
  prompt: string;
  seconds: number;
  width: number;
  height: number;
  createdAt: number;
  outcome: FakeVideoOutcome;
  /** Seconds the finished video has when the upstream made it shorter than asked. */
  delivered?: number;
}

const SORA_SECONDS = ['4', '8', '12'];
const SORA_SIZES: Record<string, string[]> = {
  'sora-2': ['720x1280', '1280x720'],
  'sora-2-pro': ['720x1280', '1280x720', '1024x1792', '1792x1024'],
};
const soraSizes = (model: string) => SORA_SIZES[model.replace(/-\d{4}-\d{2}-\d{2}$/, '')];
const OPENAI_FIELDS = new Set(['prompt', 'model', 'seconds', 'size', 'input_reference']);
const RESELLER_SECONDS = [5, 10];
const RATIO_SIZES: Record<string, [number, number]> = { '16:9': [1280, 720], '9:16': [720, 1280], '1:1': [720, 720] };

const error = (
  status: number,
  message: string,
  code: string | null = null,
  param: string | null = null,
  type = 'invalid_request_error',
): Reply => ({
  status,
  body: { error: { message, type, param, code } },
});

const unix = (ms: number) => Math.floor(ms / 1000);

/**
 * The OpenAI `/v1/videos` API as documented (shared/reference §1 and video-protocols §6): Bearer
 * auth, multipart or JSON create with OpenAI's validation (integer `seconds`, values outside the
 * enum, unknown fields, a reference of the wrong size are refused the way OpenAI refuses them),
 * progress advancing with the clock, `/content` behind auth serving a real MP4 of the requested
 * length, `expires_at`, and switchable terminal outcomes. `accepted` counts created tasks — what
 * the account would be billed for.
 */
export class FakeOpenAiVideos extends FakeUpstream {
  accepted = 0;
  /** The most tasks this upstream ran at once (created, not yet at their end), as of each creation. */
  mostRunning = 0;
  /** When each running task ends, oldest first: every task takes `durationMs`, so they end in creation order. */
  private readonly runningUntil: number[] = [];
  /** Outcome of tasks created from now on. */
  outcome: FakeVideoOutcome = 'completed';
  /**
   * Tasks created from now on finish with a video of this many seconds whatever was asked (an
   * upstream that cut the video short): the finished task reports it and `/content` serves it.
   */
  deliveredSeconds: number | undefined;
  /** A prompt containing this word is refused at creation by the moderation system. */
  moderationWord = 'forbidden';
  readonly tasks = new Map<string, Task>();
  private readonly keys: string[];
  private readonly durationMs: number;
  private readonly style: 'openai' | 'reseller';
  private readonly videoScale: number;
  private readonly cdnHost?: string;

  constructor(options: FakeOpenAiVideosOptions = {}) {
    super();
    this.keys = options.keys ?? ['sk-fake-videos'];
    this.durationMs = options.durationMs ?? 1200;
    this.style = options.style ?? 'openai';
    this.videoScale = options.videoScale ?? 0.25;
    this.cdnHost = options.cdnHost;
    this.route('POST', '/v1/videos', (req) => this.create(req));
    this.route('GET', '/v1/videos', (req) => this.list(req));
    this.route('GET', /^\/v1\/videos\/[^/]+$/, (req) => this.retrieve(req));
    this.route('GET', /^\/v1\/videos\/[^/]+\/content$/, (req) => this.content(req));
    this.route('GET', /^\/cdn\/[^/]+\.mp4$/, (req) => this.cdn(req));
  }

  private unauthorised(req: RecordedRequest): Reply | undefined {
    const header = req.headers.authorization;
    if (!header)
      return error(
        401,
        "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).",
      );
    const key = header.startsWith('Bearer ') ? header.slice(7) : '';
    if (!this.keys.includes(key))
      return error(401, `Incorrect API key provided: ${key.slice(0, 4)}****.`, 'invalid_api_key');
    return undefined;
  }

  /** The create fields as text/values, and the reference as bytes (or the reason it is unusable). */
  private async fields(
    req: RecordedRequest,
  ): Promise<{ fields: Record<string, unknown>; reference?: Buffer | string; json: boolean } | Reply> {
    if (req.form) {
      const fields: Record<string, unknown> = {};
      let reference: Buffer | string | undefined;
      for (const [name, value] of req.form.entries()) {
        if (name === 'input_reference')
          reference = typeof value === 'string' ? value : Buffer.from(await value.arrayBuffer());
        else fields[name] = value;
      }
      return { fields, reference, json: false };
    }
    if (req.json && typeof req.json === 'object') {
      const { input_reference: ref, ...fields } = req.json as Record<string, unknown>;
      if (ref === undefined) return { fields, json: true };
      if (typeof ref === 'string') return { fields, reference: ref, json: true };
      const url = (ref as { image_url?: unknown }).image_url;
      const match = typeof url === 'string' ? /^data:image\/[a-z]+;base64,(.+)$/.exec(url) : null;
      if (!match)
        return error(
          400,
          "Invalid 'input_reference': expected an object with an 'image_url' data URL or a 'file_id'.",
          'invalid_value',
          'input_reference',
        );
      return { fields, reference: Buffer.from(match[1], 'base64'), json: true };
    }
    return error(400, 'Expected multipart/form-data or application/json.', 'invalid_value');
  }

  private async create(req: RecordedRequest): Promise<Reply> {
    const denied = this.unauthorised(req);
    if (denied) return denied;
    const parsed = await this.fields(req);
    if ('status' in parsed) return parsed;
    const prompt = parsed.fields.prompt;
    if (typeof prompt !== 'string' || !prompt)
      return error(400, "Missing required parameter: 'prompt'.", 'missing_required_parameter', 'prompt');
    const checked = this.style === 'openai' ? await this.checkOpenAi(parsed) : this.checkReseller(parsed);
    if ('status' in checked) return checked;
    if (prompt.toLowerCase().includes(this.moderationWord))
      return error(400, 'Your request was blocked by our moderation system.', 'moderation_blocked');
    const task: Task = {
      id: `video_${randomBytes(12).toString('hex')}`,
      prompt,
      createdAt: Date.now(),
      outcome: this.outcome,
      ...checked,
      ...(this.deliveredSeconds !== undefined && { delivered: this.deliveredSeconds }),
    };
    this.tasks.set(task.id, task);
    this.accepted++;
    while (this.runningUntil.length > 0 && this.runningUntil[0] <= task.createdAt) this.runningUntil.shift();
    this.runningUntil.push(task.createdAt + this.durationMs);
    this.mostRunning = Math.max(this.mostRunning, this.runningUntil.length);
    return { status: 200, body: this.videoObject(task) };
  }

  private async checkOpenAi(parsed: {
    fields: Record<string, unknown>;
    reference?: Buffer | string;
    json: boolean;
  }): Promise<Omit<Task, 'id' | 'prompt' | 'createdAt' | 'outcome'> | Reply> {
    const { fields, reference } = parsed;
    const unknown = Object.keys(fields).find((name) => !OPENAI_FIELDS.has(name));
    if (unknown) return error(400, `Unknown parameter: '${unknown}'.`, 'unknown_parameter', unknown);
    const model = fields.model ?? 'sora-2';
    const sizes = typeof model === 'string' ? soraSizes(model) : undefined;
    if (!sizes)
      return error(
        400,
        `Invalid value: '${String(model)}'. Supported values are: 'sora-2' and 'sora-2-pro'.`,
        'invalid_value',
        'model',
      );
    const seconds = fields.seconds ?? '4';
    if (typeof seconds !== 'string') {
      return error(
        400,
        `Invalid type for 'seconds': expected one of '4', '8', or '12', but got ${Number.isInteger(seconds) ? 'an integer' : typeof seconds} instead.`,
        'invalid_type',
        'seconds',
      );
    }
    if (!SORA_SECONDS.includes(seconds))
      return error(
        400,
        `Invalid value: '${seconds}'. Supported values are: '4', '8', and '12'.`,
        'invalid_value',
        'seconds',
      );
    const size = fields.size ?? '720x1280';
    if (typeof size !== 'string' || !sizes.includes(size))
      return error(
        400,
        `Invalid value: '${String(size)}'. Supported values are: ${sizes.map((s) => `'${s}'`).join(', ')}.`,
        'invalid_value',
        'size',
      );
    const [width, height] = size.split('x').map(Number);
    if (typeof reference === 'string')
      return error(
        400,
        "Invalid type for 'input_reference': expected a file, but got a string instead.",
        'invalid_type',
        'input_reference',
      );
    if (reference) {
      const meta = await sharp(reference)
        .metadata()
        .catch(() => undefined);
      if (!meta || !['jpeg', 'png', 'webp'].includes(meta.format ?? ''))
        return error(
          400,
          'Invalid input_reference: expected a JPEG, PNG or WebP image.',
          'invalid_value',
          'input_reference',
        );
      if (meta.width !== width || meta.height !== height)
        return error(400, 'Inpaint image must match the requested width and height');
    }
    return { model: model as string, seconds: Number(seconds), width, height };
  }

  private checkReseller(parsed: {
    fields: Record<string, unknown>;
    json: boolean;
  }): Omit<Task, 'id' | 'prompt' | 'createdAt' | 'outcome'> | Reply {
    const { fields, json } = parsed;
    if (fields.seconds !== undefined)
      return error(400, "This model takes 'duration', not 'seconds'.", 'invalid_parameter', 'seconds');
    const raw = fields.duration ?? 5;
    if (json && typeof raw !== 'number') return error(400, "'duration' must be a number.", 'invalid_type', 'duration');
    const duration = Number(raw);
    if (!RESELLER_SECONDS.includes(duration))
      return error(400, `duration must be one of ${RESELLER_SECONDS.join(', ')}.`, 'invalid_value', 'duration');
    const size = String(fields.size ?? '16:9');
    const pixels = /^(\d+)x(\d+)$/.exec(size);
    const dims = pixels ? [Number(pixels[1]), Number(pixels[2])] : RATIO_SIZES[size];
    if (!dims) return error(400, `Unsupported size '${size}'.`, 'invalid_value', 'size');
    const model = typeof fields.model === 'string' && fields.model ? fields.model : 'seedance-1-0-pro';
    return { model, seconds: duration, width: dims[0], height: dims[1] };
  }

  /** Where a task stands now, from its age and its outcome. */
  private state(task: Task): { status: string; progress: number; error?: { code: string; message: string } } {
    const progress = Math.min(100, Math.floor((elapsed(task.createdAt) / this.durationMs) * 100));
    const running = this.style === 'reseller' ? 'processing' : 'in_progress';
    if (task.outcome === 'moderation' && progress >= 95)
      return {
        status: 'failed',
        progress: 95,
        error: { code: 'moderation_blocked', message: 'Your request was blocked by our moderation system.' },
      };
    if (task.outcome === 'failed' && progress >= 50)
      return {
        status: 'failed',
        progress: 50,
        error: { code: 'video_generation_failed', message: 'Video generation failed because of an internal error.' },
      };
    if (task.outcome === 'cancelled' && progress >= 50) return { status: 'cancelled', progress: 50 };
    if (progress >= 100)
      return {
        status: task.outcome === 'expired' ? 'expired' : this.style === 'reseller' ? 'succeeded' : 'completed',
        progress: 100,
      };
    return { status: progress < 10 ? 'queued' : running, progress };
  }

  private videoObject(task: Task): Record<string, unknown> {
    const { status, progress, error: failure } = this.state(task);
    const finishedAt = task.createdAt + this.durationMs;
    const done = status === 'completed' || status === 'succeeded' || status === 'expired';
    const seconds = done ? (task.delivered ?? task.seconds) : task.seconds;
    const body: Record<string, unknown> = {
      id: task.id,
      object: 'video',
      model: task.model,
      status,
      progress,
      created_at: unix(task.createdAt),
      completed_at: done ? unix(finishedAt) : null,
      expires_at: !done ? null : status === 'expired' ? unix(finishedAt) - 7200 : unix(finishedAt) + 3600,
      prompt: task.prompt,
      size: `${task.width}x${task.height}`,
      seconds: String(seconds),
      remixed_from_video_id: null,
      error: failure ?? null,
    };
    if (this.style === 'reseller') {
      body.task_id = task.id;
      body.seconds = seconds;
      if (done) body.metadata = { url: `${this.cdnBase}/cdn/${task.id}.mp4` };
    }
    return body;
  }

  private get cdnBase(): string {
    if (!this.cdnHost) return this.url;
    const url = new URL(this.url);
    url.hostname = this.cdnHost;
    return url.origin;
  }

  private task(req: RecordedRequest): Task | undefined {
    const id = decodeURIComponent(req.path.split('/')[3] ?? '');
    const task = this.tasks.get(id);
    return task && task.outcome !== 'not-found' ? task : undefined;
  }

  private retrieve(req: RecordedRequest): Reply {
    const denied = this.unauthorised(req);
    if (denied) return denied;
    const task = this.task(req);
    if (!task) return error(404, `Video with id '${req.path.split('/')[3]}' not found.`, null, 'video_id');
    return { status: 200, body: this.videoObject(task) };
  }

  /**
   * `GET /v1/videos?limit=(0..100)&order=asc|desc&after=<id>` → `{object: "list", data: [Video],
   * first_id, last_id, has_more}` (reference §1), in creation order. The `reseller` style has no
   * list, as with many resellers that copy only create and retrieve.
   */
  private list(req: RecordedRequest): Reply {
    const denied = this.unauthorised(req);
    if (denied) return denied;
    if (this.style === 'reseller') return error(404, `Invalid URL (GET ${req.path})`);
    const limit = Number(req.query.get('limit') ?? '20');
    if (!Number.isInteger(limit) || limit < 0 || limit > 100)
      return error(
        400,
        `Invalid 'limit': integer below minimum value or above maximum value. Expected a value between 0 and 100.`,
        'integer_out_of_range',
        'limit',
      );
    const order = req.query.get('order') ?? 'desc';
    if (order !== 'asc' && order !== 'desc')
      return error(400, `Invalid value: '${order}'. Supported values are: 'asc' and 'desc'.`, 'invalid_value', 'order');
    // Map order is insertion order, which is creation order.
    const all = [...this.tasks.values()].filter((t) => t.outcome !== 'not-found');
    if (order === 'desc') all.reverse();
    const after = req.query.get('after');
    const start = after ? all.findIndex((t) => t.id === after) + 1 : 0;
    if (after && start === 0) return error(404, `Video with id '${after}' not found.`, null, 'after');
    const page = all.slice(start, start + limit).map((t) => this.videoObject(t));
    return {
      status: 200,
      body: {
        object: 'list',
        data: page,
        first_id: page[0]?.id ?? null,
        last_id: page.at(-1)?.id ?? null,
        has_more: start + limit < all.length,
      },
    };
  }

  private async content(req: RecordedRequest): Promise<Reply> {
    const denied = this.unauthorised(req);
    if (denied) return denied;
    const task = this.task(req);
    if (!task) return error(404, `Video with id '${req.path.split('/')[3]}' not found.`, null, 'video_id');
    const { status } = this.state(task);
    if (status === 'expired' || (status === 'completed' && task.outcome === 'content-gone'))
      return error(404, 'The video content has expired and is no longer available.');
    if (status !== 'completed' && status !== 'succeeded')
      return error(400, `Video is not ready yet; its status is '${status}'.`);
    if (req.query.get('variant') === 'thumbnail')
      return {
        status: 200,
        body: await fakeImage(task.width, task.height, 'webp'),
        headers: { 'content-type': 'image/webp' },
      };
    return this.video(task);
  }

  private async cdn(req: RecordedRequest): Promise<Reply> {
    const task = this.tasks.get(req.path.slice('/cdn/'.length, -'.mp4'.length));
    if (!task || this.state(task).status !== 'succeeded')
      return { status: 404, body: 'Not Found', headers: { 'content-type': 'text/plain' } };
    return this.video(task);
  }

  private async video(task: Task): Promise<Reply> {
    const even = (v: number) => Math.max(2, Math.round((v * this.videoScale) / 2) * 2);
    return {
      status: 200,
      body: await fakeVideo(task.delivered ?? task.seconds, even(task.width), even(task.height)),
      headers: { 'content-type': 'video/mp4' },
    };
  }
}
