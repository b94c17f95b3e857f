import { randomUUID } from 'node:crypto';
import { FakeUpstream, type RecordedRequest, type Reply } from './fake-upstream.js';
import { fakeImage } from './media.js';

const SIZES = [
  '1024x1024',
  '1365x1024',
  '1024x1365',
  '1536x1024',
  '1024x1536',
  '1820x1024',
  '1024x1820',
  '1024x2048',
  '2048x1024',
  '1434x1024',
  '1024x1434',
  '1024x1280',
  '1280x1024',
  '1024x1707',
  '1707x1024',
];
const MODELS = ['recraftv3', 'recraftv2', 'recraftv3_vector', 'recraftv2_vector'];
const STYLES = ['realistic_image', 'digital_illustration', 'vector_illustration', 'icon', 'logo_raster', 'any'];

interface StoredFile {
  data: Buffer;
  format: 'png' | 'webp';
  expiresAt: number;
}

/**
 * Recraft documents two error bodies (recraft.ai/docs/api-reference/error-handling): a wrong or
 * missing token is a 401 with the plain text `request unauthorized`, an unknown path a 404 with
 * `404 page not found`. Other refusals are "a non-2xx status, plain text or JSON"; this fake answers
 * them `{code, message}`, a shape seen in clients.
 */
const error = (status: number, code: string, message: string): Reply => ({ status, body: { code, message } });
const unauthorized: Reply = {
  status: 401,
  headers: { 'content-type': 'text/plain; charset=utf-8' },
  body: 'request unauthorized',
};

/**
 * Recraft as documented (shared/reference §8): Bearer auth, synchronous JSON
 * `POST /v1/images/generations` with `model`, `style` xor `style_id`, `n` 1–6, `size` from the V3
 * list, `response_format` url (a link on this server, valid `linkTtlMs`) or b64_json, prompts of at
 * most 1000 characters. A prompt containing `forbidden` is refused as inappropriate content (the
 * real moderation answer is unconfirmed). `accepted` counts generations that returned images.
 */
export class FakeRecraft extends FakeUpstream {
  accepted = 0;
  linkTtlMs = 24 * 3_600_000;
  readonly files = new Map<string, StoredFile>();

  constructor(readonly validKeys: string[] = ['recraft-fake-token']) {
    super();
    this.route('POST', '/v1/images/generations', (req) => this.generate(req));
    this.route('GET', /^\/files\/[^/]+$/, (req) => this.file(req));
  }

  private async generate(req: RecordedRequest): Promise<Reply> {
    const header = req.headers.authorization ?? '';
    if (!header.startsWith('Bearer ') || !this.validKeys.includes(header.slice(7))) return unauthorized;
    const body = req.json;
    if (!body || typeof body !== 'object') return error(400, 'invalid_request', 'Expected a JSON body');
    if (typeof body.prompt !== 'string' || !body.prompt.trim())
      return error(400, 'invalid_prompt', 'prompt is required');
    if (body.prompt.length > 1000) return error(400, 'prompt_too_long', 'prompt must be at most 1000 characters');
    const model = body.model ?? 'recraftv3';
    if (!MODELS.includes(model)) return error(400, 'invalid_model', `Unknown model ${model}`);
    if (body.style !== undefined && body.style_id !== undefined)
      return error(400, 'invalid_style', 'style and style_id are mutually exclusive');
    if (body.style !== undefined && !STYLES.includes(body.style))
      return error(400, 'invalid_style', `Unknown style ${body.style}`);
    const n = body.n ?? 1;
    if (!Number.isInteger(n) || n < 1 || n > 6) return error(400, 'invalid_n', 'n must be an integer between 1 and 6');
    const size = body.size ?? '1024x1024';
    if (typeof size !== 'string' || !SIZES.includes(size))
      return error(400, 'invalid_size', `Unsupported image size ${String(size)}`);
    if (body.random_seed !== undefined && !Number.isInteger(body.random_seed))
      return error(400, 'invalid_random_seed', 'random_seed must be an integer');
    if (body.negative_prompt !== undefined && typeof body.negative_prompt !== 'string')
      return error(400, 'invalid_negative_prompt', 'negative_prompt must be a string');
    const responseFormat = body.response_format ?? 'url';
    if (!['url', 'b64_json'].includes(responseFormat))
      return error(400, 'invalid_response_format', `Unknown response_format ${responseFormat}`);
    const format = body.image_format ?? 'webp';
    if (!['png', 'webp'].includes(format)) return error(400, 'invalid_image_format', `Unknown image_format ${format}`);
    if (body.prompt.toLowerCase().includes('forbidden'))
      return error(400, 'inappropriate_content', 'The prompt contains inappropriate content');

    const [width, height] = size.split('x').map(Number);
    const image = await fakeImage(width, height, format);
    const data = Array.from({ length: n }, () => {
      const imageId = randomUUID();
      if (responseFormat === 'b64_json') return { image_id: imageId, b64_json: image.toString('base64') };
      this.files.set(imageId, { data: image, format, expiresAt: Date.now() + this.linkTtlMs });
      return { image_id: imageId, url: `${this.url}/files/${imageId}` };
    });
    this.accepted++;
    return { status: 200, body: { created: Math.floor(Date.now() / 1000), credits: 40 * n, data } };
  }

  /** Result links are public and temporary, like Recraft's CDN links. */
  private file(req: RecordedRequest): Reply {
    const file = this.files.get(req.path.split('/')[2]);
    if (!file || Date.now() >= file.expiresAt) return { status: 404, body: 'Not Found' };
    return { status: 200, headers: { 'content-type': `image/${file.format}` }, body: file.data };
  }
}
