import { randomUUID } from 'node:crypto';
import sharp from 'sharp';
import { FakeUpstream, type RecordedRequest, type Reply } from './fake-upstream.js';
import { fakeImage } from './media.js';

type Format = 'png' | 'jpeg' | 'webp';

/** How a task ends; chosen from the prompt (see FakeBfl) or forced per test with `nextOutcome`. */
export type BflOutcome = 'ready' | 'request_moderated' | 'content_moderated' | 'lost' | 'error';

interface Task {
  id: string;
  model: string;
  createdAt: number;
  outcome: BflOutcome;
  width: number;
  height: number;
  format: Format;
  seed: number;
  prompt: string;
}

const KONTEXT = ['flux-kontext-pro', 'flux-kontext-max'];
const SIZED = ['flux-pro-1.1', 'flux-dev'];
const FORMATS = ['jpeg', 'png', 'webp'];

/** One FastAPI/pydantic validation item. */
const invalid = (field: string, msg: string, type: string, input?: unknown) => ({
  loc: ['body', field],
  msg,
  type,
  ...(input !== undefined && { input }),
});

/** About one megapixel at `w:h`, sides rounded to 32 (1:1 → 1024x1024, 16:9 → 1376x768). */
function kontextSize(ratio: string): { width: number; height: number } {
  const [w, h] = ratio.split(':').map(Number);
  const width = Math.sqrt((1024 * 1024 * w) / h);
  return { width: Math.round(width / 32) * 32, height: Math.round((1024 * 1024) / width / 32) * 32 };
}

/**
 * Black Forest Labs as documented (shared/reference §5): the model is the path, `x-key` auth
 * (a wrong or missing key gets 403 `{"detail":"Not authenticated - Invalid Authentication"}`, the
 * body two independent user reports quote: ComfyUI-FLUX-BFL-API#16, ComfyUI_Flux_1.1_RAW_API#4), pydantic-style 422 `{detail:[{loc,msg,type}]}` for bad fields (a Kontext
 * ratio outside 21:9–9:21, a width that is not a multiple of 32 in 256–1440, …), `{id, polling_url}`
 * answers, `Pending` (with a 0–1 `progress`) turning `Ready` after `taskMs`, and a signed sample
 * link on this server that answers 403 once `sampleTtlMs` has passed since the task became ready.
 * 402 when `credits` run out, 429 with Retry-After beyond `maxActiveTasks`.
 *
 * Prompts pick odd outcomes: `forbidden` → Request Moderated, `explicit` → Content Moderated,
 * `vanish` → Task not found, `crash` → Error. `accepted` counts tasks created (what BFL bills).
 */
export class FakeBfl extends FakeUpstream {
  accepted = 0;
  taskMs = 1_000;
  sampleTtlMs = 10 * 60_000;
  /** How an unknown task id is answered: BFL's `Task not found` status with 200, or a plain 404. */
  notFoundHttpStatus: 200 | 404 = 200;
  credits = Number.POSITIVE_INFINITY;
  maxActiveTasks = 24;
  /** Overrides the `polling_url` handed out (to check where the gateway sends its key). */
  pollingUrlFor?: (id: string) => string;
  /** Forces the outcome of the next task(s), whatever the prompt says. */
  readonly nextOutcome: BflOutcome[] = [];
  readonly tasks = new Map<string, Task>();

  constructor(readonly validKeys: string[] = ['bfl-fake-key']) {
    super();
    for (const model of [...KONTEXT, ...SIZED]) this.route('POST', `/v1/${model}`, (req) => this.submit(model, req));
    this.route('GET', '/v1/get_result', (req) => this.result(req));
    this.route('GET', /^\/delivery\/[^/]+\/sample\.(png|jpeg|webp)$/, (req) => this.sample(req));
  }

  private denied(req: RecordedRequest): Reply | undefined {
    const key = req.headers['x-key'];
    if (typeof key === 'string' && this.validKeys.includes(key)) return undefined;
    return { status: 403, body: { detail: 'Not authenticated - Invalid Authentication' } };
  }

  private validate(model: string, body: Record<string, any>): ReturnType<typeof invalid>[] {
    const errors: ReturnType<typeof invalid>[] = [];
    const kontext = KONTEXT.includes(model);
    if (kontext && typeof body.prompt !== 'string') errors.push(invalid('prompt', 'Field required', 'missing'));
    if (!kontext && body.prompt !== undefined && body.prompt !== null && typeof body.prompt !== 'string')
      errors.push(invalid('prompt', 'Input should be a valid string', 'string_type', body.prompt));
    const int = (field: string, min: number, max: number, step = 1) => {
      const v = body[field];
      if (v === undefined || v === null) return;
      if (!Number.isInteger(v)) errors.push(invalid(field, 'Input should be a valid integer', 'int_type', v));
      else if (v < min)
        errors.push(invalid(field, `Input should be greater than or equal to ${min}`, 'greater_than_equal', v));
      else if (v > max)
        errors.push(invalid(field, `Input should be less than or equal to ${max}`, 'less_than_equal', v));
      else if (v % step !== 0) errors.push(invalid(field, `Input should be a multiple of ${step}`, 'multiple_of', v));
    };
    int('seed', 0, Number.MAX_SAFE_INTEGER);
    int('safety_tolerance', 0, 6);
    if (body.output_format != null && !FORMATS.includes(body.output_format))
      errors.push(invalid('output_format', "Input should be 'jpeg', 'png' or 'webp'", 'enum', body.output_format));
    if (kontext) {
      const ratio = body.aspect_ratio;
      if (ratio != null) {
        const m = typeof ratio === 'string' ? /^(\d+):(\d+)$/.exec(ratio) : null;
        const value = m ? Number(m[1]) / Number(m[2]) : NaN;
        if (!m || !(value <= 21 / 9 + 1e-9 && value >= 9 / 21 - 1e-9)) {
          errors.push(
            invalid('aspect_ratio', 'Value error, Aspect ratio must be between 21:9 and 9:21', 'value_error', ratio),
          );
        }
      }
      for (const field of ['input_image', 'input_image_2', 'input_image_3', 'input_image_4']) {
        if (body[field] != null && typeof body[field] !== 'string')
          errors.push(invalid(field, 'Input should be a valid string', 'string_type'));
      }
    } else {
      int('width', 256, 1440, 32);
      int('height', 256, 1440, 32);
      if (model === 'flux-dev') {
        int('steps', 1, 50);
        const g = body.guidance;
        if (g != null && (typeof g !== 'number' || g < 1.5 || g > 5))
          errors.push(invalid('guidance', 'Input should be between 1.5 and 5', 'less_than_equal', g));
      }
    }
    return errors;
  }

  private async submit(model: string, req: RecordedRequest): Promise<Reply> {
    const denied = this.denied(req);
    if (denied) return denied;
    const body = req.json;
    if (!body || typeof body !== 'object')
      return { status: 422, body: { detail: [{ loc: ['body'], msg: 'Field required', type: 'missing' }] } };
    const errors = this.validate(model, body);
    const image = body.input_image ?? body.image_prompt;
    if (errors.length === 0 && typeof image === 'string' && !/^https?:\/\//.test(image)) {
      // BFL decodes the image before accepting the task.
      const ok = await sharp(Buffer.from(image.replace(/^data:[^,]*,/, ''), 'base64'))
        .metadata()
        .then(
          () => true,
          () => false,
        );
      if (!ok)
        errors.push(
          invalid(
            body.input_image !== undefined ? 'input_image' : 'image_prompt',
            'Value error, Invalid image',
            'value_error',
          ),
        );
    }
    if (errors.length > 0) return { status: 422, body: { detail: errors } };
    if (this.activeTasks() >= this.maxActiveTasks) {
      return {
        status: 429,
        headers: { 'retry-after': '1' },
        body: { detail: 'You have reached the maximum number of active tasks. Please wait for some tasks to finish.' },
      };
    }
    if (this.credits < 1)
      return { status: 402, body: { detail: 'Insufficient credits. Please add credits at https://dashboard.bfl.ai.' } };
    this.credits -= 1;

    const prompt = String(body.prompt ?? '');
    const size = KONTEXT.includes(model)
      ? kontextSize(body.aspect_ratio ?? '1:1')
      : { width: body.width ?? 1024, height: body.height ?? 768 };
    const task: Task = {
      id: randomUUID(),
      model,
      createdAt: Date.now(),
      outcome: this.nextOutcome.shift() ?? this.outcomeFor(prompt),
      ...size,
      format: body.output_format ?? (KONTEXT.includes(model) ? 'png' : 'jpeg'),
      seed: body.seed ?? 1234,
      prompt,
    };
    this.tasks.set(task.id, task);
    this.accepted++;
    return {
      status: 200,
      body: {
        id: task.id,
        polling_url: this.pollingUrlFor?.(task.id) ?? `${this.url}/v1/get_result?id=${task.id}`,
        cost: 4,
        input_mp: 0,
        output_mp: 1,
      },
    };
  }

  private outcomeFor(prompt: string): BflOutcome {
    const p = prompt.toLowerCase();
    if (p.includes('forbidden')) return 'request_moderated';
    if (p.includes('explicit')) return 'content_moderated';
    if (p.includes('vanish')) return 'lost';
    if (p.includes('crash')) return 'error';
    return 'ready';
  }

  private activeTasks(): number {
    const now = Date.now();
    return [...this.tasks.values()].filter((t) => now - t.createdAt < this.taskMs).length;
  }

  private async result(req: RecordedRequest): Promise<Reply> {
    const denied = this.denied(req);
    if (denied) return denied;
    const id = req.query.get('id');
    if (!id)
      return { status: 422, body: { detail: [{ loc: ['query', 'id'], msg: 'Field required', type: 'missing' }] } };
    const task = this.tasks.get(id);
    if (!task || task.outcome === 'lost')
      return {
        status: this.notFoundHttpStatus,
        body: { id, status: 'Task not found', result: null, progress: null, details: null, preview: null },
      };
    const age = Date.now() - task.createdAt;
    // Input moderation happens before any work; everything else shows up when the task ends.
    if (task.outcome === 'request_moderated') {
      return {
        status: 200,
        body: {
          id,
          status: 'Request Moderated',
          result: null,
          progress: null,
          details: { 'Moderation Reasons': ['Derivative Works Filter'] },
          preview: null,
        },
      };
    }
    if (age < this.taskMs) {
      return {
        status: 200,
        body: {
          id,
          status: 'Pending',
          result: null,
          progress: Math.round((age / this.taskMs) * 100) / 100,
          details: null,
          preview: null,
        },
      };
    }
    if (task.outcome === 'content_moderated') {
      return {
        status: 200,
        body: {
          id,
          status: 'Content Moderated',
          result: null,
          progress: null,
          details: { 'Moderation Reasons': ['Explicit content'] },
          preview: null,
        },
      };
    }
    if (task.outcome === 'error')
      return {
        status: 200,
        body: {
          id,
          status: 'Error',
          result: null,
          progress: null,
          details: { error: 'Internal generation failure' },
          preview: null,
        },
      };
    const expires = task.createdAt + this.taskMs + this.sampleTtlMs;
    return {
      status: 200,
      body: {
        id,
        status: 'Ready',
        result: {
          sample: `${this.url}/delivery/${id}/sample.${task.format}?se=${expires}&sig=fake`,
          prompt: task.prompt,
          seed: task.seed,
          start_time: task.createdAt / 1000,
          end_time: (task.createdAt + this.taskMs) / 1000,
          duration: this.taskMs / 1000,
        },
        progress: null,
        details: null,
        preview: null,
      },
    };
  }

  /** The delivery link is signed, not keyed: it needs no x-key and stops working when it expires. */
  private async sample(req: RecordedRequest): Promise<Reply> {
    const id = req.path.split('/')[2];
    const task = this.tasks.get(id);
    const expires = Number(req.query.get('se'));
    if (!task || req.query.get('sig') !== 'fake' || !Number.isFinite(expires))
      return { status: 404, body: 'BlobNotFound' };
    if (Date.now() >= expires) {
      return {
        status: 403,
        headers: { 'content-type': 'application/xml' },
        body: '<?xml version="1.0"?><Error><Code>AuthenticationFailed</Code><Message>Signed expiry time has passed.</Message></Error>',
      };
    }
    const image = await fakeImage(task.width, task.height, task.format);
    return { status: 200, headers: { 'content-type': `image/${task.format}` }, body: image };
  }
}
