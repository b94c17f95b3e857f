import { randomBytes } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { FakeUpstream, type RecordedRequest, type Reply, type WrittenReply } from './fake-upstream.js';
import { fakeImage, fakeVideo } from './media.js';

/**
 * How the relay answers. `link`: the seeds' `✅ Video generated successfully, [click here](URL)`;
 * `image-markdown`: `![…](URL)`; `video-tag`: `<video src="URL">` in an html code fence; `json`: one
 * non-streaming `chat.completion` whatever was asked; `policy`: a content-review failure after 95 %;
 * `failed`: a plain failure half-way; `cut`: the connection dropped half-way; `cut-at-once`: headers,
 * then the connection dropped before any byte of the body.
 */
export type RelayMode = 'link' | 'image-markdown' | 'video-tag' | 'json' | 'policy' | 'failed' | 'cut' | 'cut-at-once';

const VIDEO_MODELS = new Set(['sora-2', 'sora_video2', 'sora-2-pro']);
const IMAGE_MODELS = new Set(['gpt-4o-image', 'sora_image', 'gpt-image-1']);

interface Job {
  id: string;
  model: string;
  prompt: string;
  video: boolean;
  seconds: number;
  portrait: boolean;
  references: number;
}

const json = (res: ServerResponse, status: number, body: unknown) => {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(text)) });
  res.end(text);
};

/** Methods answered with the relay's own 404 body when the path is not one it serves. */
const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'];

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * A reseller that serves media models through `/v1/chat/completions`, as the seeds describe: Bearer
 * (or bare) key, `stream: true` answered with `chat.completion.chunk` deltas — a role chunk, the
 * prompt echoed in a code fence, progress lines in the styles relays print (`Progress 12%`,
 * `进度 36%`, `🏃 58%` split across two deltas, a bare `81%`), the final markdown, a finish chunk and
 * `[DONE]` — and the media served at the link it names. It reads `duration: N seconds` and
 * 横屏/竖屏 from the prompt like the seeds document. `accepted` counts generations it started.
 */
export class FakeChatRelay extends FakeUpstream {
  readonly jobs: Job[] = [];
  accepted = 0;
  /** How every answer goes, unless a one-off mode is queued with `once`. */
  mode: RelayMode = 'link';
  /** A prompt containing this word is refused at once by the relay's prompt review. */
  moderationWord = 'forbidden';
  private readonly queue: RelayMode[] = [];
  private readonly files = new Map<string, { data: Buffer; type: string }>();

  constructor(
    readonly keys: string[] = ['sk-fake-relay'],
    /** Pause between progress lines. */
    readonly stepMs = 60,
  ) {
    super();
    this.route('GET', /^\/files\//, (req) => this.file(req.path.slice('/files/'.length)));
    this.route('POST', '/v1/chat/completions', (req) => this.complete(req));
    for (const method of METHODS) {
      this.route(method, /.*/, (req) => ({
        status: 404,
        body: { error: { message: `Invalid URL (${req.method} ${req.path})`, type: 'invalid_request_error' } },
      }));
    }
  }

  /** The next answers use these modes, in order; then `mode` again. */
  once(...modes: RelayMode[]): this {
    this.queue.push(...modes);
    return this;
  }

  private file(name: string): Reply {
    const file = this.files.get(name);
    if (!file) return { status: 404, body: { error: { message: 'file not found' } } };
    return { status: 200, body: file.data, headers: { 'content-type': file.type } };
  }

  private complete(req: RecordedRequest): Reply | WrittenReply {
    // Seed 004 shows both `Authorization: Bearer <key>` and the bare key, and this error body.
    const key = (req.headers.authorization ?? '').replace(/^Bearer\s+/i, '');
    if (!this.keys.includes(key))
      return { status: 401, body: { error: { message: 'Invalid signature', type: '401' } } };
    if (req.json === undefined)
      return {
        status: 400,
        body: { error: { message: 'Request body is not valid JSON', type: 'invalid_request_error' } },
      };
    const job = this.read(req.json);
    if (typeof job === 'string')
      return { status: 400, body: { error: { message: job, type: 'invalid_request_error', param: null, code: null } } };
    const mode = this.queue.shift() ?? this.mode;
    if (mode === 'cut-at-once') {
      return {
        write: (res) => {
          res.writeHead(200, { 'content-type': 'text/event-stream' });
          res.flushHeaders();
          setTimeout(() => res.socket?.destroy(), 20);
        },
      };
    }
    this.accepted++;
    this.jobs.push(job);
    const stream = req.json.stream === true && mode !== 'json';
    return { write: (res) => this.writeAnswer(res, job, mode, stream) };
  }

  /** The job a request describes, or why it is refused. */
  private read(body: any): Job | string {
    if (typeof body?.model !== 'string' || !body.model) return 'model is required';
    const video = VIDEO_MODELS.has(body.model);
    if (!video && !IMAGE_MODELS.has(body.model)) return `model ${body.model} is not available on this relay`;
    if (!Array.isArray(body.messages) || body.messages.length === 0) return 'messages is required';
    const last = body.messages.findLast((m: any) => m?.role === 'user');
    const parts: any[] =
      typeof last?.content === 'string'
        ? [{ type: 'text', text: last.content }]
        : Array.isArray(last?.content)
          ? last.content
          : [];
    const prompt = parts
      .filter((p) => p?.type === 'text' && typeof p.text === 'string')
      .map((p) => p.text)
      .join('\n');
    if (!prompt.trim()) return 'the user message has no text';
    const images = parts.filter((p) => p?.type === 'image_url');
    if (
      images.some(
        (p) =>
          typeof p.image_url?.url !== 'string' || !/^(https?:\/\/|data:image\/[a-z]+;base64,)/.test(p.image_url.url),
      )
    )
      return 'image_url.url must be an http(s) or data:image URL';
    const seconds = Math.min(15, Number(/duration:\s*(\d+)\s*seconds?/i.exec(prompt)?.[1] ?? 10));
    const ratio = /(?:aspect ratio:\s*)?\b(\d+):(\d+)\b/.exec(prompt);
    const portrait = /竖屏|窄屏/.test(prompt) || (ratio !== null && Number(ratio[2]) > Number(ratio[1]));
    return {
      id: randomBytes(8).toString('hex'),
      model: body.model,
      prompt,
      video,
      seconds,
      portrait,
      references: images.length,
    };
  }

  private async media(job: Job): Promise<string> {
    const name = `${job.id}.${job.video ? 'mp4' : 'png'}`;
    const data = job.video
      ? await fakeVideo(job.seconds, job.portrait ? 180 : 320, job.portrait ? 320 : 180)
      : await fakeImage(job.portrait ? 512 : 768, job.portrait ? 768 : 512);
    this.files.set(name, { data, type: job.video ? 'video/mp4' : 'image/png' });
    return `${this.url}/files/${name}`;
  }

  /** The deltas of one answer, with the pause before each; `cut` marks where the connection drops. */
  private async script(job: Job, mode: RelayMode): Promise<({ text: string; pause?: number } | { cut: true })[]> {
    const step = this.stepMs;
    const echo = {
      text: `\`\`\`json\n${JSON.stringify({ prompt: job.prompt, mode: job.video ? 'video' : 'image' }, null, 2)}\n\`\`\`\n\n`,
    };
    if (job.prompt.toLowerCase().includes(this.moderationWord))
      return [echo, { text: '❌ 提示词审核未通过：your prompt violates our content policy.\n\n', pause: step }];
    const lines: ({ text: string; pause?: number } | { cut: true })[] = [
      echo,
      { text: '> ⌛️ Task queued, waiting for a free slot\n\n', pause: step },
      { text: '> 🏃 Progress 12%\n\n', pause: step },
      { text: '进度 36%\n\n', pause: step },
    ];
    if (mode === 'cut') return [...lines, { cut: true }];
    lines.push({ text: '🏃 5', pause: step }, { text: '8%\n\n' });
    if (mode === 'failed')
      return [
        ...lines,
        { text: '❌ Generation failed: the upstream service is busy, please retry later\n\n', pause: step },
      ];
    lines.push({ text: '81%\n\n', pause: step });
    if (mode === 'policy')
      return [
        ...lines,
        { text: '> 🏃 Progress 95%\n\n', pause: step },
        { text: '❌ 生成失败：视频内容审核未通过 (the output violates our content policy)\n\n', pause: step },
      ];
    const url = await this.media(job);
    const final =
      mode === 'video-tag'
        ? `✅ 视频生成成功\n\n\`\`\`html\n<video src="${url}" controls></video>\n\`\`\`\n\n`
        : mode === 'image-markdown' || !job.video
          ? `![${job.video ? 'video' : 'image'}](${url})\n\n`
          : `> ✅ Video generated successfully, [click here](${url}) to view video~~~\n\n`;
    return [...lines, { text: final, pause: step }];
  }

  private async writeAnswer(res: ServerResponse, job: Job, mode: RelayMode, stream: boolean): Promise<void> {
    const id = `chatcmpl-${job.id}`;
    const created = Math.floor(Date.now() / 1000);
    const script = await this.script(job, mode);
    if (!stream) {
      for (const step of script) if ('pause' in step && step.pause) await sleep(step.pause);
      if (script.some((s) => 'cut' in s)) return void res.socket?.destroy();
      const content = script.map((s) => ('text' in s ? s.text : '')).join('');
      return json(res, 200, {
        id,
        object: 'chat.completion',
        created,
        model: job.model,
        choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' }],
        usage: { prompt_tokens: 9, completion_tokens: 12, total_tokens: 21 },
      });
    }
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
    const chunk = (delta: Record<string, unknown>, finish: string | null = null) =>
      res.write(
        `data: ${JSON.stringify({ id, object: 'chat.completion.chunk', created, model: job.model, choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`,
      );
    chunk({ role: 'assistant', content: '' });
    for (const step of script) {
      if ('cut' in step) {
        // Dropped a moment later, so what was written has reached the client.
        await sleep(this.stepMs);
        return void res.socket?.destroy();
      }
      if (step.pause) await sleep(step.pause);
      if (res.destroyed) return;
      chunk({ content: step.text });
    }
    chunk({}, 'stop');
    res.end('data: [DONE]\n\n');
  }
}
