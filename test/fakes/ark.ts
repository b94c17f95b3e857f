import { randomBytes } from 'node:crypto';
import sharp from 'sharp';
import { FakeUpstream, elapsed, type RecordedRequest, type Reply } from './fake-upstream.js';
import { fakeImage, fakeVideo } from './media.js';

/**
 * Volcengine Ark as documented (shared/reference/upstream-protocols.md §6), under `/api/v3`:
 * Bearer auth with Ark's `AuthenticationError` body, synchronous `/images/generations` for Seedream
 * 4.0, Seedream 3.0 t2i and SeedEdit 3.0 i2i (field names, types, size bounds and reference counts
 * checked per model; real PNGs of the asked size as `b64_json` or as links served here), and Seedance
 * tasks that go queued → running → a terminal state over `taskMs`, ending in a real MP4 of the asked
 * duration. `failure` switches on one error family at a time. `accepted` counts what would be billed.
 */

export type ArkFailure =
  /** 400 InputTextSensitiveContentDetected when the request is made. */
  | 'input_text_sensitive'
  /** 400 InputImageSensitiveContentDetected. */
  | 'input_image_sensitive'
  /** 400 InputImageSensitiveContentDetected.PrivacyInformation (a real person). */
  | 'input_image_privacy'
  /** 200 whose every image failed with OutputImageSensitiveContentDetected. */
  | 'output_image_sensitive'
  /** 200 whose last image failed review while the others succeeded. */
  | 'partial_output_sensitive'
  /** 429 on every create. */
  | 'rate_limited'
  /** The task ends `failed` with OutputVideoSensitiveContentDetected. */
  | 'output_video_sensitive'
  /** The task ends `failed` with an internal error. */
  | 'task_failed'
  /** The task ends `cancelled`. */
  | 'task_cancelled'
  /** The task ends `expired` (it waited past execution_expires_after). */
  | 'task_expired'
  /** The task is forgotten once created: polls answer 404 ResourceNotFound. */
  | 'task_forgotten'
  /** The task succeeds but its video link has expired (TOS answers 403). */
  | 'video_url_expired';

const IMAGE_MODELS = [
  'doubao-seedream-4-0-250828',
  'doubao-seedream-3-0-t2i-250415',
  'doubao-seededit-3-0-i2i-250628',
] as const;
type ImageModel = (typeof IMAGE_MODELS)[number];
const RESOLUTIONS = ['480p', '720p', '1080p'];
const RATIOS = ['16:9', '4:3', '1:1', '3:4', '9:16', '21:9', 'adaptive'];
const ROLES = ['first_frame', 'last_frame', 'reference_image'];
/** Small real videos, shaped like the asked ratio, keep ffmpeg quick. */
const VIDEO_DIMS: Record<string, [number, number]> = {
  '16:9': [320, 180],
  '9:16': [180, 320],
  '1:1': [240, 240],
  '4:3': [320, 240],
  '3:4': [240, 320],
  '21:9': [420, 180],
};
const DATA_URL = /^data:image\/(png|jpeg|jpg|webp|bmp|tiff|gif);base64,([A-Za-z0-9+/]+={0,2})$/;

/** Ark ends every error message with a request id; a fixed one keeps error envelopes exact in tests. */
export const ARK_REQUEST_ID = '02171000000000000000000000000000000000000fake';

export const arkError = (status: number, code: string, message: string, param = '', type = 'BadRequest'): Reply => ({
  status,
  body: { error: { code, message: `${message} Request id: ${ARK_REQUEST_ID}`, param, type } },
});

const invalid = (param: string, why: string) =>
  arkError(400, `InvalidParameter`, `The parameter \`${param}\` specified in the request is not valid: ${why}.`, param);
const missing = (param: string) =>
  arkError(
    400,
    'MissingParameter',
    `The request failed because it is missing one or multiple required parameters: ${param}.`,
    param,
  );

const FAILURE_REPLIES: Partial<Record<ArkFailure, () => Reply>> = {
  input_text_sensitive: () =>
    arkError(
      400,
      'InputTextSensitiveContentDetected',
      'The request failed because the input text may contain sensitive information.',
    ),
  input_image_sensitive: () =>
    arkError(
      400,
      'InputImageSensitiveContentDetected',
      'The request failed because the input image may contain sensitive information.',
    ),
  input_image_privacy: () =>
    arkError(
      400,
      'InputImageSensitiveContentDetected.PrivacyInformation',
      'The request failed because the input image may contain real person.',
    ),
  rate_limited: () =>
    arkError(
      429,
      'RateLimitExceeded.EndpointRPMExceeded',
      'The request has exceeded the rate limit of RPM.',
      '',
      'TooManyRequests',
    ),
};

interface FakeTask {
  id: string;
  model: string;
  createdAt: number;
  failure?: ArkFailure;
  resolution: string;
  ratio: string;
  duration: number;
  seed: number;
  dims: [number, number];
  cancelled: boolean;
  runMs: number;
}

const isUrlOrDataUrl = (value: unknown): value is string =>
  typeof value === 'string' && (DATA_URL.test(value) || /^https?:\/\/\S+$/.test(value));

async function dataUrlSize(url: string): Promise<{ width: number; height: number } | undefined> {
  const match = DATA_URL.exec(url);
  if (!match) return undefined;
  const meta = await sharp(Buffer.from(match[2], 'base64')).metadata();
  return meta.width && meta.height ? { width: meta.width, height: meta.height } : undefined;
}

export class FakeArk extends FakeUpstream {
  /** Calls that produced work: image calls answered with images, tasks created. */
  accepted = 0;
  /** The error family served next (until changed); undefined serves successes. */
  failure?: ArkFailure;
  /** How long a Seedance task runs; the first quarter it is queued. */
  taskMs = 1500;
  /** When set, each new task draws its own run time from it (benchmarks want varied completions). */
  taskMsFor?: () => number;
  private readonly tasks = new Map<string, FakeTask>();
  private readonly files = new Map<
    string,
    { data: Buffer | (() => Promise<Buffer>); type: string; expired: boolean }
  >();

  constructor(readonly validKeys: string[] = ['ark-fake-key']) {
    super();
    this.route('POST', '/api/v3/images/generations', (req) => this.authorised(req) ?? this.images(req.json ?? {}));
    this.route(
      'POST',
      '/api/v3/contents/generations/tasks',
      (req) => this.authorised(req) ?? this.createTask(req.json ?? {}),
    );
    this.route(
      'GET',
      /^\/api\/v3\/contents\/generations\/tasks\/[^/]+$/,
      (req) => this.authorised(req) ?? this.getTask(lastSegment(req.path)),
    );
    this.route(
      'DELETE',
      /^\/api\/v3\/contents\/generations\/tasks\/[^/]+$/,
      (req) => this.authorised(req) ?? this.deleteTask(lastSegment(req.path)),
    );
    // Signed TOS links: no Authorization, the signature is in the query.
    this.route('GET', /^\/tos\/[^/]+$/, (req) => this.file(lastSegment(req.path)));
  }

  /** When a task was created and how long it runs, for measuring how promptly it was noticed. */
  taskTiming(id: string): { createdAt: number; runMs: number } | undefined {
    const task = this.tasks.get(id);
    return task && { createdAt: task.createdAt, runMs: task.runMs };
  }

  /** Ark's answer to a 429 on the next `count` creates, for retry tests. */
  rateLimitNext(count: number): this {
    return this.injectFaults(
      'POST',
      /^\/api\/v3\/(images\/generations|contents\/generations\/tasks)$/,
      Array.from({ length: count }, () => FAILURE_REPLIES.rate_limited!()),
    );
  }

  private authorised(req: RecordedRequest): Reply | undefined {
    const header = req.headers.authorization ?? '';
    const key = header.startsWith('Bearer ') ? header.slice(7) : '';
    if (this.validKeys.includes(key)) return undefined;
    return arkError(
      401,
      'AuthenticationError',
      'The API key or AK/SK in the request is missing or invalid.',
      '',
      'Unauthorized',
    );
  }

  private requestFailure(): Reply | undefined {
    return this.failure && FAILURE_REPLIES[this.failure]?.();
  }

  // ---- images ----

  private async images(body: Record<string, any>): Promise<Reply> {
    const model = body.model;
    if (typeof model !== 'string' || !model) return missing('model');
    if (!(IMAGE_MODELS as readonly string[]).includes(model)) {
      return arkError(
        404,
        'InvalidEndpointOrModel.NotFound',
        `The model or endpoint ${model} does not exist or you do not have access to it.`,
        'model',
        'NotFound',
      );
    }
    const invalidReply = this.checkImageFields(model as ImageModel, body);
    if (invalidReply) return invalidReply;
    const failed = this.requestFailure();
    if (failed) return failed;

    const size = await this.outputSize(model as ImageModel, body);
    const count =
      body.sequential_image_generation === 'auto' ? (body.sequential_image_generation_options?.max_images ?? 15) : 1;
    const png = await fakeImage(size.width, size.height, 'png');
    const sizeText = `${size.width}x${size.height}`;
    const data: Record<string, unknown>[] = [];
    for (let i = 0; i < count; i++) {
      const reviewFailed =
        this.failure === 'output_image_sensitive' || (this.failure === 'partial_output_sensitive' && i === count - 1);
      if (reviewFailed) {
        data.push({
          error: {
            code: 'OutputImageSensitiveContentDetected',
            message: 'The request failed because the output image may contain sensitive information.',
          },
        });
      } else if (body.response_format === 'b64_json') {
        data.push({ b64_json: png.toString('base64'), size: sizeText });
      } else {
        data.push({ url: this.publish(`${randomBytes(8).toString('hex')}.png`, png, 'image/png'), size: sizeText });
      }
    }
    const generated = data.filter((d) => !d.error).length;
    if (generated > 0) this.accepted++;
    return {
      status: 200,
      body: {
        model,
        created: Math.floor(Date.now() / 1000),
        data,
        usage: { generated_images: generated, output_tokens: generated * 4096, total_tokens: generated * 4096 },
      },
    };
  }

  private checkImageFields(model: ImageModel, body: Record<string, any>): Reply | undefined {
    if (typeof body.prompt !== 'string' || !body.prompt.trim()) return missing('prompt');
    const images: unknown[] = body.image === undefined ? [] : Array.isArray(body.image) ? body.image : [body.image];
    if (images.some((i) => !isUrlOrDataUrl(i)))
      return invalid('image', 'each image must be a URL or a data:image/<format>;base64 URL');
    if (model === 'doubao-seededit-3-0-i2i-250628') {
      if (images.length === 0) return missing('image');
      if (images.length !== 1 || Array.isArray(body.image))
        return invalid('image', 'the model accepts exactly one image');
      if (body.size !== undefined && body.size !== 'adaptive')
        return invalid('size', 'the model only supports adaptive');
    } else if (model === 'doubao-seedream-3-0-t2i-250415') {
      if (images.length > 0) return invalid('image', 'the model does not accept images');
      const size = parseSize(body.size ?? '1024x1024');
      if (!size || [size.width, size.height].some((side) => side < 512 || side > 2048))
        return invalid('size', 'width and height must be within [512, 2048]');
    } else {
      if (images.length > 10) return invalid('image', 'at most 10 reference images');
      if (!['1K', '2K', '4K'].includes(body.size ?? '2K')) {
        const size = parseSize(body.size);
        const pixels = size ? size.width * size.height : 0;
        const aspect = size ? size.width / size.height : 0;
        if (!size || pixels < 1280 * 720 || pixels > 4096 * 4096 || aspect < 1 / 16 || aspect > 16) {
          return invalid(
            'size',
            'total pixels must be within [1280x720, 4096x4096] and the aspect ratio within [1/16, 16]',
          );
        }
      }
    }
    if (body.seed !== undefined && (!Number.isInteger(body.seed) || body.seed < -1 || body.seed > 2147483647))
      return invalid('seed', 'must be an integer in [-1, 2147483647]');
    if (body.guidance_scale !== undefined) {
      if (model === 'doubao-seedream-4-0-250828') return invalid('guidance_scale', 'the model does not support it');
      if (typeof body.guidance_scale !== 'number' || body.guidance_scale < 1 || body.guidance_scale > 10)
        return invalid('guidance_scale', 'must be a number in [1, 10]');
    }
    if (body.sequential_image_generation !== undefined) {
      if (model !== 'doubao-seedream-4-0-250828')
        return invalid('sequential_image_generation', 'the model does not support it');
      if (!['auto', 'disabled'].includes(body.sequential_image_generation))
        return invalid('sequential_image_generation', 'must be auto or disabled');
      const max = body.sequential_image_generation_options?.max_images;
      if (max !== undefined && (!Number.isInteger(max) || max < 1 || max > 15 || images.length + max > 15)) {
        return invalid(
          'sequential_image_generation_options.max_images',
          'must be an integer in [1, 15] with reference images plus outputs at most 15',
        );
      }
    } else if (body.sequential_image_generation_options !== undefined) {
      return invalid('sequential_image_generation_options', 'requires sequential_image_generation');
    }
    if (body.response_format !== undefined && !['url', 'b64_json'].includes(body.response_format))
      return invalid('response_format', 'must be url or b64_json');
    if (body.watermark !== undefined && typeof body.watermark !== 'boolean')
      return invalid('watermark', 'must be a boolean');
    return undefined;
  }

  private async outputSize(model: ImageModel, body: Record<string, any>): Promise<{ width: number; height: number }> {
    if (model === 'doubao-seededit-3-0-i2i-250628')
      return (await dataUrlSize(body.image)) ?? { width: 1024, height: 1024 };
    const presets: Record<string, number> = { '1K': 1024, '2K': 2048, '4K': 4096 };
    const size = body.size ?? (model === 'doubao-seedream-3-0-t2i-250415' ? '1024x1024' : '2K');
    return presets[size] ? { width: presets[size], height: presets[size] } : parseSize(size)!;
  }

  // ---- Seedance ----

  private async createTask(body: Record<string, any>): Promise<Reply> {
    const model = body.model;
    if (typeof model !== 'string' || !model) return missing('model');
    if (!/^(doubao-)?seedance-/.test(model)) {
      return arkError(
        404,
        'InvalidEndpointOrModel.NotFound',
        `The model or endpoint ${model} does not exist or you do not have access to it.`,
        'model',
        'NotFound',
      );
    }
    if (!Array.isArray(body.content) || body.content.length === 0) return missing('content');
    const texts = body.content.filter((c: any) => c?.type === 'text');
    const images = body.content.filter((c: any) => c?.type === 'image_url');
    if (texts.length + images.length !== body.content.length)
      return invalid('content.type', 'must be text or image_url');
    if (texts.length > 1) return invalid('content', 'at most one text item');
    if (texts.some((t: any) => typeof t.text !== 'string')) return invalid('content.text', 'must be a string');
    for (const image of images) {
      if (!isUrlOrDataUrl(image.image_url?.url))
        return invalid('content.image_url.url', 'must be a URL or a data:image/<format>;base64 URL');
      if (image.role !== undefined && !ROLES.includes(image.role))
        return invalid('content.role', `must be one of ${ROLES.join(', ')}`);
    }
    if (images.filter((i: any) => i.role === 'first_frame').length > 1)
      return invalid('content.role', 'only one first_frame');
    if (images.length === 0 && !(texts[0]?.text ?? '').trim()) return missing('content.text');

    const flags = parseFlags(texts[0]?.text ?? '');
    if (typeof flags === 'string') return invalid(flags, 'invalid command flag value');
    const resolution = body.resolution ?? flags.resolution ?? '720p';
    const ratio = body.ratio ?? flags.ratio ?? (images.length > 0 ? 'adaptive' : '16:9');
    const duration = body.duration ?? flags.duration ?? 5;
    if (typeof resolution !== 'string' || !RESOLUTIONS.includes(resolution))
      return invalid('resolution', `must be one of ${RESOLUTIONS.join(', ')}`);
    if (typeof ratio !== 'string' || !RATIOS.includes(ratio))
      return invalid('ratio', `must be one of ${RATIOS.join(', ')}`);
    if (ratio === 'adaptive' && images.length === 0) return invalid('ratio', 'adaptive needs an image');
    if (typeof duration !== 'number' || !Number.isInteger(duration)) return invalid('duration', 'must be an integer');
    const [min, max] = /seedance-1-5/.test(model) ? [4, 12] : /seedance-2-/.test(model) ? [4, 15] : [3, 12];
    if (duration < min || duration > max) return invalid('duration', `must be within [${min}, ${max}]`);
    const seed = body.seed ?? flags.seed ?? -1;
    if (!Number.isInteger(seed) || seed < -1 || seed > 4294967295)
      return invalid('seed', 'must be an integer in [-1, 4294967295]');
    for (const field of ['watermark', 'camera_fixed', 'return_last_frame']) {
      if (body[field] !== undefined && typeof body[field] !== 'boolean') return invalid(field, 'must be a boolean');
    }
    const failed = this.requestFailure();
    if (failed) return failed;

    let dims = VIDEO_DIMS[ratio];
    if (!dims) {
      const frame = await dataUrlSize(images[0].image_url.url);
      dims = frame && frame.height > frame.width ? VIDEO_DIMS['9:16'] : VIDEO_DIMS['16:9'];
    }
    const id = `cgt-${new Date().toISOString().replace(/\D/g, '').slice(0, 14)}-${randomBytes(3).toString('hex')}`;
    this.tasks.set(id, {
      id,
      model,
      createdAt: Date.now(),
      failure: this.failure,
      resolution,
      ratio,
      duration,
      seed,
      dims,
      cancelled: false,
      runMs: this.taskMsFor?.() ?? this.taskMs,
    });
    this.accepted++;
    return { status: 200, body: { id } };
  }

  private taskStatus(task: FakeTask): string {
    if (task.cancelled) return 'cancelled';
    const age = elapsed(task.createdAt);
    if (age < task.runMs / 4) return 'queued';
    if (age < task.runMs) return 'running';
    switch (task.failure) {
      case 'output_video_sensitive':
      case 'task_failed':
        return 'failed';
      case 'task_cancelled':
        return 'cancelled';
      case 'task_expired':
        return 'expired';
      default:
        return 'succeeded';
    }
  }

  private getTask(id: string): Reply {
    const task = this.tasks.get(id);
    if (!task || (task.failure === 'task_forgotten' && elapsed(task.createdAt) >= task.runMs / 4)) {
      return arkError(404, 'ResourceNotFound', `The specified task ${id} is not found.`, 'id', 'NotFound');
    }
    const status = this.taskStatus(task);
    const body: Record<string, unknown> = {
      id,
      model: task.model,
      status,
      created_at: Math.floor(task.createdAt / 1000),
      updated_at: Math.floor(Date.now() / 1000),
      seed: task.seed === -1 ? 42 : task.seed,
      resolution: task.resolution,
      ratio: task.ratio,
      duration: task.duration,
      framespersecond: 24,
    };
    if (status === 'failed') {
      body.error =
        task.failure === 'output_video_sensitive'
          ? {
              code: 'OutputVideoSensitiveContentDetected',
              message: 'The request failed because the output video may contain sensitive information.',
            }
          : { code: 'InternalServiceError', message: 'The service encountered an unexpected internal error.' };
    }
    if (status === 'succeeded') {
      const name = `${id}.mp4`;
      if (!this.files.has(name)) {
        const [w, h] = task.dims;
        this.files.set(name, {
          data: () => fakeVideo(task.duration, w, h),
          type: 'video/mp4',
          expired: task.failure === 'video_url_expired',
        });
      }
      body.content = {
        video_url: `${this.url}/tos/${name}?X-Tos-Algorithm=TOS4-HMAC-SHA256&X-Tos-Expires=86400&X-Tos-Signature=fake`,
      };
      body.usage = { completion_tokens: task.duration * 20_000, total_tokens: task.duration * 20_000 };
    }
    return { status: 200, body };
  }

  private deleteTask(id: string): Reply {
    const task = this.tasks.get(id);
    if (!task) return arkError(404, 'ResourceNotFound', `The specified task ${id} is not found.`, 'id', 'NotFound');
    const status = this.taskStatus(task);
    if (status === 'queued') task.cancelled = true;
    else if (status === 'running')
      return arkError(400, 'InvalidAction.TaskRunning', 'A running task cannot be cancelled or deleted.', 'id');
    else this.tasks.delete(id);
    return { status: 200, body: {} };
  }

  // ---- TOS links ----

  private publish(name: string, data: Buffer, type: string): string {
    this.files.set(name, { data, type, expired: false });
    return `${this.url}/tos/${name}?X-Tos-Algorithm=TOS4-HMAC-SHA256&X-Tos-Expires=86400&X-Tos-Signature=fake`;
  }

  private async file(name: string): Promise<Reply> {
    const file = this.files.get(name);
    if (!file || file.expired) {
      const [code, message] = file
        ? ['AccessDenied', 'Request has expired']
        : ['NoSuchKey', 'The specified key does not exist.'];
      return {
        status: file ? 403 : 404,
        headers: { 'content-type': 'application/xml' },
        body: `<?xml version="1.0" encoding="UTF-8"?><Error><Code>${code}</Code><Message>${message}</Message></Error>`,
      };
    }
    const data = typeof file.data === 'function' ? await file.data() : file.data;
    return { status: 200, headers: { 'content-type': file.type }, body: data };
  }
}

const lastSegment = (path: string) => decodeURIComponent(path.slice(path.lastIndexOf('/') + 1));

function parseSize(text: unknown): { width: number; height: number } | undefined {
  const match = typeof text === 'string' ? /^(\d+)x(\d+)$/.exec(text) : null;
  return match ? { width: Number(match[1]), height: Number(match[2]) } : undefined;
}

/**
 * The older text-flag form (`--rs 720p --rt 16:9 --dur 5`, long names too), read from the prompt.
 * Returns the name of the first flag whose value is malformed.
 */
function parseFlags(
  text: string,
): { resolution?: string; ratio?: string; duration?: number; seed?: number; watermark?: boolean } | string {
  const out: { resolution?: string; ratio?: string; duration?: number; seed?: number; watermark?: boolean } = {};
  for (const [, name, value] of text.matchAll(/--(\w+)\s+(\S+)/g)) {
    switch (name) {
      case 'rs':
      case 'resolution':
        out.resolution = value;
        break;
      case 'rt':
      case 'ratio':
        out.ratio = value;
        break;
      case 'dur':
      case 'duration':
        if (!/^\d+$/.test(value)) return 'duration';
        out.duration = Number(value);
        break;
      case 'seed':
        if (!/^-?\d+$/.test(value)) return 'seed';
        out.seed = Number(value);
        break;
      case 'wm':
      case 'watermark':
        if (value !== 'true' && value !== 'false') return 'watermark';
        out.watermark = value === 'true';
        break;
    }
  }
  return out;
}
