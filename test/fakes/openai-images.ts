import { FakeUpstream, type RecordedRequest, type Reply } from './fake-upstream.js';
import { fakeImage } from './media.js';

const SIZES: Record<string, string[]> = {
  'gpt-image-1': ['1024x1024', '1536x1024', '1024x1536', 'auto'],
  'dall-e-3': ['1024x1024', '1792x1024', '1024x1792'],
};

const error = (
  status: number,
  message: string,
  code: string | null,
  type = 'invalid_request_error',
  param: string | null = null,
): Reply => ({
  status,
  body: { error: { message, type, param, code } },
});

/**
 * OpenAI Images as documented (shared/reference §2): Bearer auth, JSON generations, multipart
 * edits with repeated `image[]`, size/quality/n validated per model, b64_json for GPT image models,
 * and the moderation error bodies of both model families. `accepted` counts generations that were
 * answered with images — what the account would be billed for.
 */
export class FakeOpenAiImages extends FakeUpstream {
  accepted = 0;
  /** A prompt containing this word is refused by the "safety system". */
  moderationWord = 'forbidden';

  constructor(readonly validKeys: string[] = ['sk-fake-openai']) {
    super();
    this.route('POST', '/v1/images/generations', (req) => this.generate(req, req.json ?? {}));
    this.route('POST', '/v1/images/edits', (req) => this.edit(req));
  }

  private authorised(req: RecordedRequest): Reply | undefined {
    const header = req.headers.authorization ?? '';
    const key = header.startsWith('Bearer ') ? header.slice(7) : '';
    if (!this.validKeys.includes(key))
      return error(401, `Incorrect API key provided: ${key.slice(0, 4)}****.`, 'invalid_api_key');
    return undefined;
  }

  private async generate(req: RecordedRequest, body: Record<string, any>): Promise<Reply> {
    const denied = this.authorised(req);
    if (denied) return denied;
    const model = body.model ?? 'dall-e-2';
    if (typeof body.prompt !== 'string' || !body.prompt)
      return error(
        400,
        "Missing required parameter: 'prompt'.",
        'missing_required_parameter',
        'invalid_request_error',
        'prompt',
      );
    const sizes = SIZES[model];
    if (!sizes) return error(400, `Invalid model ${model}.`, 'invalid_value', 'invalid_request_error', 'model');
    const size = body.size ?? (model === 'dall-e-3' ? '1024x1024' : 'auto');
    if (!sizes.includes(size))
      return error(
        400,
        `Invalid size '${size}'. Supported sizes are ${sizes.join(', ')}.`,
        'invalid_value',
        'invalid_request_error',
        'size',
      );
    const n = Number(body.n ?? 1);
    if (model === 'dall-e-3' && n !== 1)
      return error(400, 'dall-e-3 only supports n=1.', 'invalid_value', 'invalid_request_error', 'n');
    if (model === 'dall-e-3' && body.output_format !== undefined)
      return error(
        400,
        "Unknown parameter: 'output_format'.",
        'unknown_parameter',
        'invalid_request_error',
        'output_format',
      );
    if (String(body.prompt).toLowerCase().includes(this.moderationWord)) {
      return model === 'dall-e-3'
        ? error(400, 'Your request was rejected as a result of our safety system.', 'content_policy_violation')
        : error(
            400,
            'Your request was rejected by the safety system.',
            'moderation_blocked',
            'image_generation_user_error',
          );
    }
    const [w, h] = (size === 'auto' ? '1024x1024' : size).split('x').map(Number);
    const format = model === 'dall-e-3' ? 'png' : (body.output_format ?? 'png');
    const image = await fakeImage(w, h, format);
    this.accepted++;
    return {
      status: 200,
      body: {
        created: Math.floor(Date.now() / 1000),
        data: Array.from({ length: n }, () => ({ b64_json: image.toString('base64') })),
        ...(model !== 'dall-e-3' && {
          output_format: format,
          size,
          usage: this.usage(
            String(body.prompt),
            n,
            req.form ? [...req.form.getAll('image[]'), ...req.form.getAll('image')].length : 0,
          ),
        }),
      },
    };
  }

  /** The ImagesUsage shape: text tokens of the prompt, 65 image tokens per input image, 1056 per output image. */
  private usage(prompt: string, n: number, inputImages: number) {
    const text = Math.ceil(prompt.length / 4);
    const input = text + 65 * inputImages;
    return {
      input_tokens: input,
      output_tokens: 1056 * n,
      total_tokens: input + 1056 * n,
      input_tokens_details: { text_tokens: text, image_tokens: 65 * inputImages },
    };
  }

  private async edit(req: RecordedRequest): Promise<Reply> {
    const denied = this.authorised(req);
    if (denied) return denied;
    const form = req.form;
    if (!form) return error(400, 'Expected multipart/form-data.', 'invalid_value');
    const images = [...form.getAll('image[]'), ...form.getAll('image')];
    if (images.length === 0)
      return error(
        400,
        "Missing required parameter: 'image'.",
        'missing_required_parameter',
        'invalid_request_error',
        'image',
      );
    if (images.length > 16)
      return error(400, 'Too many images; at most 16.', 'invalid_value', 'invalid_request_error', 'image');
    if (images.some((i) => typeof i === 'string'))
      return error(400, "Invalid type for 'image': expected a file.", 'invalid_type', 'invalid_request_error', 'image');
    if (form.get('model') === 'dall-e-3')
      return error(400, 'dall-e-3 does not support edits.', 'invalid_value', 'invalid_request_error', 'model');
    const body = Object.fromEntries([...form.entries()].filter(([, v]) => typeof v === 'string'));
    return this.generate({ ...req, headers: req.headers }, body);
  }
}
