import { createHmac, randomUUID, timingSafeEqual } from 'node:crypto';
import sharp from 'sharp';
import { FakeUpstream, type RecordedRequest, type Reply } from './fake-upstream.js';
import { fakeVideo } from './media.js';

const T2V_MODELS = [
  'kling-v1',
  'kling-v1-6',
  'kling-v2-master',
  'kling-v2-1-master',
  'kling-v2-5-turbo',
  'kling-v2-6',
  'kling-v3',
];
const I2V_MODELS = [...T2V_MODELS, 'kling-v1-5', 'kling-v2-1'];

type Endpoint = 'text2video' | 'image2video';
type Outcome = 'succeed' | 'risk_control' | 'failed' | 'lost';

interface Task {
  id: string;
  endpoint: Endpoint;
  createdAt: number;
  seconds: number;
  outcome: Outcome;
  /** The account (access key) that created it; an `external_task_id` is unique per account. */
  account: string;
  externalTaskId?: string;
}

const envelope = (status: number, code: number, message: string, data?: unknown): Reply => ({
  status,
  body: { code, message, request_id: randomUUID(), ...(data !== undefined && { data }) },
});

const taskInfo = (task: Task) => (task.externalTaskId ? { external_task_id: task.externalTaskId } : {});

/**
 * Kling's official API as documented (shared/reference video §3). Every call needs
 * `Authorization: Bearer <JWT>`: HS256, `iss` a known access key, signed with its secret, inside
 * `nbf`/`exp` (401 with codes 1001 empty, 1002 invalid, 1003 not yet valid, 1004 expired).
 * text2video / image2video validate their fields like Kling (duration must be the STRING "5" or
 * "10", the image raw base64 of at least 300 px without a `data:` prefix, i2v-only models refused
 * on text2video); tasks go submitted → processing → succeed over `taskMs`, polled only on the path
 * that created them (by task id, or by the `external_task_id` the create set, unique per account);
 * videos are real MP4s of the asked length on a public link valid `linkTtlMs`.
 * More than `maxActiveTasks` running → 429 code 1303.
 *
 * Prompts pick outcomes: `forbidden` → 400 code 1301 at create, `risky` → failed by risk control,
 * `glitch` → failed for an internal reason, `vanish` → the task is unknown when polled.
 */
export class FakeKling extends FakeUpstream {
  accepted = 0;
  taskMs = 800;
  linkTtlMs = 30 * 24 * 3_600_000;
  maxActiveTasks = 5;
  readonly tasks = new Map<string, Task>();

  /** `accessKey → secretKey` of the accounts this fake knows. */
  constructor(readonly accounts: Record<string, string> = { 'ak-fake': 'sk-fake' }) {
    super();
    for (const endpoint of ['text2video', 'image2video'] as const) {
      this.route('POST', `/v1/videos/${endpoint}`, (req) => this.create(endpoint, req));
      this.route('GET', new RegExp(`^/v1/videos/${endpoint}/[^/]+$`), (req) => this.query(endpoint, req));
    }
    this.route('GET', /^\/kcdn\/[^/]+\.mp4$/, (req) => this.video(req));
  }

  /** The access key of an already verified request. */
  private accountOf(req: RecordedRequest): string {
    const payload = (req.headers.authorization ?? '').slice('Bearer '.length).split('.')[1] ?? '';
    return String(JSON.parse(Buffer.from(payload, 'base64url').toString()).iss);
  }

  /** Verifies the JWT the way Kling documents it; returns an error reply when it is not acceptable. */
  private denied(req: RecordedRequest): Reply | undefined {
    const header = req.headers.authorization ?? '';
    if (!header) return envelope(401, 1001, 'Authorization is empty');
    const token = header.startsWith('Bearer ') ? header.slice(7) : '';
    const [head, payload, signature] = token.split('.');
    let claims: { iss?: unknown; exp?: unknown; nbf?: unknown };
    try {
      if (JSON.parse(Buffer.from(head, 'base64url').toString()).alg !== 'HS256') throw new Error('alg');
      claims = JSON.parse(Buffer.from(payload, 'base64url').toString());
    } catch {
      return envelope(401, 1002, 'Authorization is invalid');
    }
    const secret = typeof claims.iss === 'string' ? this.accounts[claims.iss] : undefined;
    if (!secret || !signature) return envelope(401, 1002, 'Authorization is invalid');
    const expected = createHmac('sha256', secret).update(`${head}.${payload}`).digest();
    const given = Buffer.from(signature, 'base64url');
    if (given.length !== expected.length || !timingSafeEqual(given, expected))
      return envelope(401, 1002, 'Authorization is invalid');
    const now = Date.now() / 1000;
    if (typeof claims.nbf === 'number' && claims.nbf > now)
      return envelope(401, 1003, 'Authorization is not yet valid');
    if (typeof claims.exp !== 'number' || claims.exp <= now) return envelope(401, 1004, 'Authorization has expired');
    return undefined;
  }

  private async invalid(endpoint: Endpoint, body: Record<string, any>): Promise<string | undefined> {
    const models = endpoint === 'text2video' ? T2V_MODELS : I2V_MODELS;
    const model = body.model_name ?? 'kling-v1';
    if (!models.includes(model)) return `model_name ${model} is not supported by ${endpoint}`;
    if (endpoint === 'text2video' && (typeof body.prompt !== 'string' || !body.prompt.trim()))
      return 'prompt is required';
    if (body.prompt !== undefined && (typeof body.prompt !== 'string' || body.prompt.length > 2500))
      return 'prompt must be a string of at most 2500 characters';
    if (
      body.negative_prompt !== undefined &&
      (typeof body.negative_prompt !== 'string' || body.negative_prompt.length > 2500)
    )
      return 'negative_prompt is invalid';
    if (body.mode !== undefined && !['std', 'pro'].includes(body.mode)) return 'mode must be std or pro';
    const durations = model.startsWith('kling-v3') ? Array.from({ length: 13 }, (_, i) => String(i + 3)) : ['5', '10'];
    if (body.duration !== undefined && (typeof body.duration !== 'string' || !durations.includes(body.duration)))
      return `duration must be one of ${durations.map((d) => `"${d}"`).join(', ')} (a string)`;
    if (
      body.cfg_scale !== undefined &&
      (/^kling-v[2-9]/.test(model) || typeof body.cfg_scale !== 'number' || body.cfg_scale < 0 || body.cfg_scale > 1)
    )
      return 'cfg_scale is not supported';
    if (
      endpoint === 'text2video' &&
      body.aspect_ratio !== undefined &&
      !['16:9', '9:16', '1:1'].includes(body.aspect_ratio)
    )
      return 'aspect_ratio must be 16:9, 9:16 or 1:1';
    if (body.external_task_id !== undefined && (typeof body.external_task_id !== 'string' || !body.external_task_id))
      return 'external_task_id must be a non-empty string';
    if (endpoint === 'image2video') {
      if (body.image === undefined && body.image_tail === undefined) return 'image or image_tail is required';
      for (const field of ['image', 'image_tail']) {
        const value = body[field];
        if (value === undefined || /^https?:\/\//.test(value)) continue;
        if (typeof value !== 'string' || value.startsWith('data:'))
          return `${field} must be a URL or raw base64 without a data: prefix`;
        const meta = await sharp(Buffer.from(value, 'base64'))
          .metadata()
          .catch(() => undefined);
        if (!meta?.width || !meta.height || !['jpeg', 'png'].includes(meta.format ?? ''))
          return `${field} must be a JPG or PNG image`;
        if (Math.min(meta.width, meta.height) < 300) return `${field} must be at least 300 px on each side`;
        const ratio = meta.width / meta.height;
        if (ratio > 2.5 || ratio < 0.4) return `${field} aspect ratio must be between 1:2.5 and 2.5:1`;
      }
    }
    return undefined;
  }

  private async create(endpoint: Endpoint, req: RecordedRequest): Promise<Reply> {
    const denied = this.denied(req);
    if (denied) return denied;
    const body = req.json;
    if (!body || typeof body !== 'object') return envelope(400, 1200, 'Invalid request body');
    const problem = await this.invalid(endpoint, body);
    if (problem) return envelope(400, 1201, problem);
    const prompt = String(body.prompt ?? '').toLowerCase();
    if (prompt.includes('forbidden')) return envelope(400, 1301, 'Trigger the content security policy of the platform');
    const now = Date.now();
    if ([...this.tasks.values()].filter((t) => now - t.createdAt < this.taskMs).length >= this.maxActiveTasks) {
      return { ...envelope(429, 1303, 'Parallel task over resource pack limit'), headers: { 'retry-after': '1' } };
    }
    const account = this.accountOf(req);
    const externalTaskId: string | undefined = body.external_task_id;
    // The reference says "unique per account"; the code and wording of the refusal are this fake's guess.
    if (
      externalTaskId &&
      [...this.tasks.values()].some((t) => t.account === account && t.externalTaskId === externalTaskId)
    ) {
      return envelope(400, 1201, `external_task_id ${externalTaskId} already exists`);
    }
    const outcome: Outcome = prompt.includes('risky')
      ? 'risk_control'
      : prompt.includes('glitch')
        ? 'failed'
        : prompt.includes('vanish')
          ? 'lost'
          : 'succeed';
    const task: Task = {
      id: String(800_000_000_000 + this.tasks.size),
      endpoint,
      createdAt: now,
      seconds: Number(body.duration ?? '5'),
      outcome,
      account,
      externalTaskId,
    };
    this.tasks.set(task.id, task);
    this.accepted++;
    return envelope(200, 0, 'SUCCEED', {
      task_id: task.id,
      task_status: 'submitted',
      task_info: taskInfo(task),
      created_at: now,
      updated_at: now,
    });
  }

  private async query(endpoint: Endpoint, req: RecordedRequest): Promise<Reply> {
    const denied = this.denied(req);
    if (denied) return denied;
    // The path takes the task id or, for the account that set it, the external_task_id.
    const given = decodeURIComponent(req.path.split('/').at(-1)!);
    const account = this.accountOf(req);
    const task =
      this.tasks.get(given) ??
      [...this.tasks.values()].find((t) => t.account === account && t.externalTaskId === given);
    const id = task?.id ?? given;
    // A task is found only on the path that created it.
    if (!task || task.endpoint !== endpoint || task.outcome === 'lost')
      return envelope(404, 1203, 'Resource not found');
    const age = Date.now() - task.createdAt;
    const base = { task_id: id, task_info: taskInfo(task), created_at: task.createdAt, updated_at: Date.now() };
    if (age < this.taskMs / 3)
      return envelope(200, 0, 'SUCCEED', { ...base, task_status: 'submitted', task_status_msg: '' });
    if (age < this.taskMs)
      return envelope(200, 0, 'SUCCEED', { ...base, task_status: 'processing', task_status_msg: '' });
    if (task.outcome === 'risk_control')
      return envelope(200, 0, 'SUCCEED', {
        ...base,
        task_status: 'failed',
        task_status_msg: 'Failure to pass the risk control system',
      });
    if (task.outcome === 'failed')
      return envelope(200, 0, 'SUCCEED', {
        ...base,
        task_status: 'failed',
        task_status_msg: 'Internal error, please try again later',
      });
    const expires = task.createdAt + this.taskMs + this.linkTtlMs;
    return envelope(200, 0, 'SUCCEED', {
      ...base,
      task_status: 'succeed',
      task_status_msg: '',
      task_result: {
        videos: [
          { id: randomUUID(), url: `${this.url}/kcdn/${id}.mp4?expires=${expires}`, duration: String(task.seconds) },
        ],
      },
      final_unit_deduction: String(task.seconds / 5),
    });
  }

  /** Result links are public CDN links; they stop working when they expire. */
  private async video(req: RecordedRequest): Promise<Reply> {
    const id = req.path.split('/')[2].replace(/\.mp4$/, '');
    const task = this.tasks.get(id);
    if (!task || !(Date.now() < Number(req.query.get('expires')))) return { status: 404, body: 'Not Found' };
    return { status: 200, headers: { 'content-type': 'video/mp4' }, body: await fakeVideo(task.seconds, 320, 180) };
  }
}
