import { randomBytes } from 'node:crypto';
import sharp from 'sharp';
import { FakeUpstream, type RecordedRequest, type Reply } from './fake-upstream.js';
import { fakeImage, fakeVideo } from './media.js';

/**
 * What the fake does with the next requests, switched per test:
 * - `prompt-blocked`: generateContent answers 200 with `promptFeedback.blockReason` and no candidates;
 * - `image-safety`: 200 with a candidate finished `IMAGE_SAFETY` and no parts;
 * - `no-image`: 200 with a text-only candidate (`STOP`), the model declining to draw;
 * - `rate-limited`: submissions answer 429 RESOURCE_EXHAUSTED;
 * - `veo-rai-filtered`: the Veo operation finishes without a video, with `raiMediaFilteredReasons`;
 * - `veo-operation-error`: the operation finishes `done: true` with an `error`;
 * - `veo-operation-lost`: polling the operation answers 404 NOT_FOUND;
 * - `veo-file-expired`: the finished video's download answers 404 (Veo keeps files two days).
 */
export type GeminiFakeMode =
  | 'ok'
  | 'prompt-blocked'
  | 'image-safety'
  | 'no-image'
  | 'rate-limited'
  | 'veo-rai-filtered'
  | 'veo-operation-error'
  | 'veo-operation-lost'
  | 'veo-file-expired';

/** Where a finished operation puts the video: the REST field, the SDK's renamed one, or inline bytes. */
export type VeoResultShape = 'generatedSamples' | 'generatedVideos' | 'encodedVideo';

const IMAGE_MODELS = [
  'gemini-2.5-flash-image',
  'gemini-2.5-flash-image-preview',
  'gemini-3-pro-image-preview',
  'gemini-3.1-flash-image-preview',
];
const VEO_MODELS = [
  'veo-3.1-generate-preview',
  'veo-3.1-fast-generate-preview',
  'veo-3.1-lite-generate-preview',
  'veo-3.0-generate-001',
  'veo-3.0-fast-generate-001',
  'veo-2.0-generate-001',
];

/** Output size per documented aspect ratio at 1K (2K and 4K double and quadruple it). */
const IMAGE_SIZES: Record<string, [number, number]> = {
  '1:1': [1024, 1024],
  '2:3': [832, 1248],
  '3:2': [1248, 832],
  '3:4': [864, 1184],
  '4:3': [1184, 864],
  '4:5': [896, 1152],
  '5:4': [1152, 896],
  '9:16': [768, 1344],
  '16:9': [1344, 768],
  '21:9': [1536, 672],
};
/** The fake's videos are small (fast to encode) but keep the requested orientation and duration. */
const VIDEO_SIZES: Record<string, [number, number]> = { '16:9': [320, 180], '9:16': [180, 320] };

const STATUS_WORDS: Record<number, string> = {
  400: 'INVALID_ARGUMENT',
  403: 'PERMISSION_DENIED',
  404: 'NOT_FOUND',
  429: 'RESOURCE_EXHAUSTED',
  500: 'INTERNAL',
};

/** Google's RPC error envelope, exactly as the Gemini API sends it. */
export const googleError = (code: number, message: string, details?: unknown[]): Reply => ({
  status: code,
  body: { error: { code, message, status: STATUS_WORDS[code] ?? 'UNKNOWN', ...(details && { details }) } },
});

const invalid = (message: string) => googleError(400, message);

/** Proto JSON accepts both spellings of every field name. */
const snakeToCamel = (name: string) => name.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
function field(obj: Record<string, any> | undefined, camel: string): any {
  if (!obj || typeof obj !== 'object') return undefined;
  return obj[camel] ?? obj[camel.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)];
}
/** Proto JSON parsing refuses names the message does not have, as Google does. */
function unknownName(obj: Record<string, any> | undefined, known: string[], where: string): Reply | undefined {
  for (const name of Object.keys(obj ?? {})) {
    if (!known.includes(snakeToCamel(name)))
      return invalid(`Invalid JSON payload received. Unknown name "${name}" at '${where}': Cannot find field.`);
  }
  return undefined;
}

async function isImage(base64: unknown): Promise<boolean> {
  if (typeof base64 !== 'string' || !base64) return false;
  const meta = await sharp(Buffer.from(base64, 'base64'))
    .metadata()
    .catch(() => undefined);
  return Boolean(meta?.width && meta.height);
}

interface VeoTask {
  model: string;
  createdAt: number;
  seconds: number;
  width: number;
  height: number;
  mode: GeminiFakeMode;
  shape: VeoResultShape;
  fileId: string;
}

/**
 * The Gemini Developer API as documented (shared/reference upstream-protocols §4, video-protocols §1):
 * `x-goog-api-key` (or `?key=`) auth with Google's own error bodies (an invalid key is a 400
 * INVALID_ARGUMENT with reason API_KEY_INVALID, a missing one a 403), `generateContent` with
 * `imageConfig` validated per model and real PNGs sized per ratio, and Veo's `predictLongRunning`
 * with operations that finish after `videoTaskMs` and a real MP4 behind a Files-API link that needs
 * the key and redirects once to the bytes. `acceptedImages`/`acceptedVideos` count billed work.
 */
export class FakeGemini extends FakeUpstream {
  mode: GeminiFakeMode = 'ok';
  videoShape: VeoResultShape = 'generatedSamples';
  /** How long a Veo operation runs before it is done. */
  videoTaskMs = 1_000;
  acceptedImages = 0;
  acceptedVideos = 0;
  private readonly tasks = new Map<string, VeoTask>();
  /** Files of finished operations by file id, and the one-time signed storage links handed out for them. */
  private readonly fileTasks = new Map<string, VeoTask>();
  private readonly signedFiles = new Map<string, string>();

  constructor(readonly validKeys: string[] = ['AIza-fake-gemini']) {
    super();
    this.route(
      'POST',
      /^\/v1beta\/models\/[^/:]+:generateContent$/,
      (req) => this.authorised(req) ?? this.generateContent(req),
    );
    this.route(
      'POST',
      /^\/v1beta\/models\/[^/:]+:predictLongRunning$/,
      (req) => this.authorised(req) ?? this.predictLongRunning(req),
    );
    this.route(
      'GET',
      /^\/v1beta\/models\/[^/:]+\/operations\/[^/]+$/,
      (req) => this.authorised(req) ?? this.operation(req),
    );
    this.route('GET', /^\/v1beta\/files\/[^/:]+:download$/, (req) => this.authorised(req) ?? this.download(req));
    this.route('GET', /^\/signed-storage\/[^/]+$/, (req) => this.signedBytes(req));
  }

  private authorised(req: RecordedRequest): Reply | undefined {
    const key = (req.headers['x-goog-api-key'] as string | undefined) ?? req.query.get('key') ?? undefined;
    if (key === undefined || key === '') {
      return googleError(
        403,
        "Method doesn't allow unregistered callers (callers without established identity). Please use API Key or other form of API consumer identity to call this API.",
      );
    }
    if (!this.validKeys.includes(key)) {
      return googleError(400, 'API key not valid. Please pass a valid API key.', [
        {
          '@type': 'type.googleapis.com/google.rpc.ErrorInfo',
          reason: 'API_KEY_INVALID',
          domain: 'googleapis.com',
          metadata: { service: 'generativelanguage.googleapis.com' },
        },
      ]);
    }
    return undefined;
  }

  private rateLimited(): Reply {
    return googleError(429, 'You exceeded your current quota, please check your plan and billing details.', [
      { '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: '1s' },
    ]);
  }

  private async generateContent(req: RecordedRequest): Promise<Reply> {
    const model = req.path
      .split('/')
      .pop()!
      .replace(/:generateContent$/, '');
    if (!IMAGE_MODELS.includes(model))
      return googleError(
        404,
        `models/${model} is not found for API version v1beta, or is not supported for generateContent.`,
      );
    const body = req.json;
    if (!body || typeof body !== 'object') return invalid('Request contains an invalid argument.');
    const bad = unknownName(
      body,
      ['contents', 'generationConfig', 'safetySettings', 'systemInstruction', 'tools', 'toolConfig', 'cachedContent'],
      '',
    );
    if (bad) return bad;
    const contents = body.contents;
    if (!Array.isArray(contents) || contents.length === 0)
      return invalid('* GenerateContentRequest.contents: contents is not specified');
    const parts = contents.flatMap((c: any) => (Array.isArray(c?.parts) ? c.parts : []));
    if (parts.length === 0)
      return invalid('* GenerateContentRequest.contents[0].parts: contents.parts must not be empty.');
    let prompt = '';
    for (const part of parts) {
      const blob = field(part, 'inlineData');
      if (typeof part.text === 'string') prompt += part.text;
      else if (blob) {
        const mimeType = field(blob, 'mimeType');
        if (typeof mimeType !== 'string' || !mimeType.startsWith('image/'))
          return invalid(`Unsupported MIME type: ${mimeType}`);
        if (!(await isImage(blob.data)))
          return invalid(
            'Unable to process input image. Please retry or report in https://developers.generativeai.google/guide/troubleshooting',
          );
      } else return invalid('Invalid JSON payload received. A part must hold text or inline data.');
    }

    const config = field(body, 'generationConfig') ?? {};
    const badConfig = unknownName(
      config,
      [
        'responseModalities',
        'imageConfig',
        'candidateCount',
        'temperature',
        'topP',
        'topK',
        'seed',
        'maxOutputTokens',
        'stopSequences',
        'thinkingConfig',
      ],
      'generation_config',
    );
    if (badConfig) return badConfig;
    const modalities = field(config, 'responseModalities') ?? ['TEXT', 'IMAGE'];
    if (!Array.isArray(modalities) || modalities.some((m) => !['TEXT', 'IMAGE'].includes(m))) {
      return invalid(
        `Invalid value at 'generation_config.response_modalities' (type.googleapis.com/google.ai.generativelanguage.v1beta.GenerationConfig.Modality), "${modalities}"`,
      );
    }
    if (Number(field(config, 'candidateCount') ?? 1) > 1)
      return invalid(`Multiple candidates is not enabled for models/${model}`);
    const seed = field(config, 'seed');
    if (seed !== undefined && !Number.isInteger(seed))
      return invalid(`Invalid value at 'generation_config.seed' (TYPE_INT32), "${seed}"`);
    const imageConfig = field(config, 'imageConfig') ?? {};
    const badImageConfig = unknownName(imageConfig, ['aspectRatio', 'imageSize'], 'generation_config.image_config');
    if (badImageConfig) return badImageConfig;
    const ratio = field(imageConfig, 'aspectRatio') ?? '1:1';
    if (!IMAGE_SIZES[ratio])
      return invalid(
        `Aspect ratio ${ratio} is not supported. Supported values: ${Object.keys(IMAGE_SIZES).join(', ')}.`,
      );
    const size = field(imageConfig, 'imageSize');
    const pro = model.startsWith('gemini-3-pro-image');
    if (size !== undefined && !pro) return invalid(`Image size is not supported for models/${model}.`);
    if (size !== undefined && !['1K', '2K', '4K'].includes(size))
      return invalid(`Invalid image size "${size}"; use 1K, 2K or 4K (uppercase K).`);

    if (this.mode === 'rate-limited') return this.rateLimited();
    const usage = {
      promptTokenCount: 12,
      totalTokenCount: 12,
      promptTokensDetails: [{ modality: 'TEXT', tokenCount: 12 }],
    };
    if (this.mode === 'prompt-blocked')
      return {
        status: 200,
        body: { promptFeedback: { blockReason: 'PROHIBITED_CONTENT' }, usageMetadata: usage, modelVersion: model },
      };
    if (this.mode === 'image-safety') {
      return {
        status: 200,
        body: {
          candidates: [
            {
              content: { role: 'model' },
              finishReason: 'IMAGE_SAFETY',
              finishMessage: 'The generated image was filtered by a safety policy.',
              index: 0,
            },
          ],
          usageMetadata: usage,
          modelVersion: model,
        },
      };
    }
    if (this.mode === 'no-image') {
      return {
        status: 200,
        body: {
          candidates: [
            {
              content: { role: 'model', parts: [{ text: 'I cannot draw that, but here is a description instead.' }] },
              finishReason: 'STOP',
              index: 0,
            },
          ],
          usageMetadata: usage,
          modelVersion: model,
        },
      };
    }

    const scale = pro ? { '1K': 1, '2K': 2, '4K': 4 }[(size ?? '1K') as '1K'] : 1;
    const [w, h] = IMAGE_SIZES[ratio];
    const image = await fakeImage(w * scale, h * scale, 'png');
    const answer: any[] = [];
    if (pro) {
      // Gemini 3 "thinks" in text and draft images before the final one; clients must skip those.
      answer.push({ text: 'Planning the composition.', thought: true });
      answer.push({
        inlineData: { mimeType: 'image/png', data: (await fakeImage(64, 64, 'png', '#00ff00')).toString('base64') },
        thought: true,
      });
    }
    if (modalities.includes('TEXT')) answer.push({ text: `Here is your image: ${prompt.slice(0, 40)}` });
    answer.push({
      inlineData: { mimeType: 'image/png', data: image.toString('base64') },
      ...(pro && { thoughtSignature: 'c2lnbmF0dXJl' }),
    });
    this.acceptedImages++;
    return {
      status: 200,
      body: {
        candidates: [{ content: { role: 'model', parts: answer }, finishReason: 'STOP', index: 0 }],
        usageMetadata: { ...usage, candidatesTokenCount: 1290, totalTokenCount: 1302 },
        modelVersion: model,
        responseId: randomBytes(8).toString('hex'),
      },
    };
  }

  private async predictLongRunning(req: RecordedRequest): Promise<Reply> {
    const model = req.path
      .split('/')
      .pop()!
      .replace(/:predictLongRunning$/, '');
    if (!VEO_MODELS.includes(model))
      return googleError(
        404,
        `models/${model} is not found for API version v1beta, or is not supported for predictLongRunning.`,
      );
    const body = req.json;
    const bad = unknownName(body, ['instances', 'parameters', 'webhookConfig'], '');
    if (bad) return bad;
    if (!Array.isArray(body?.instances) || body.instances.length !== 1)
      return invalid('instances must hold exactly one instance.');
    const instance = body.instances[0];
    const badInstance = unknownName(
      instance,
      ['prompt', 'image', 'lastFrame', 'referenceImages', 'video'],
      'instances[0]',
    );
    if (badInstance) return badInstance;
    if (typeof instance.prompt !== 'string' || !instance.prompt.trim()) return invalid('A prompt is required.');
    const image = instance.image;
    if (image !== undefined) {
      if (field(image, 'inlineData'))
        return invalid("`inlineData` isn't supported by this model. Use `bytesBase64Encoded` and `mimeType`.");
      if (typeof field(image, 'mimeType') !== 'string' || !(await isImage(field(image, 'bytesBase64Encoded'))))
        return invalid('The image must have bytesBase64Encoded (a base64 image) and mimeType.');
    }
    const references = field(instance, 'referenceImages');
    if (references !== undefined) {
      if (!model.startsWith('veo-3.1')) return invalid(`Reference images are not supported by models/${model}.`);
      if (image !== undefined) return invalid('referenceImages cannot be combined with image.');
      if (!Array.isArray(references) || references.length === 0 || references.length > 3)
        return invalid('Between 1 and 3 reference images are allowed.');
      for (const ref of references) {
        if (
          !['ASSET', 'STYLE'].includes(field(ref, 'referenceType')) ||
          !(await isImage(field(ref?.image, 'bytesBase64Encoded')))
        )
          return invalid('Each reference image needs image.bytesBase64Encoded and referenceType ASSET or STYLE.');
      }
    }

    const parameters = body.parameters ?? {};
    const badParameter = Object.keys(parameters).find(
      (name) =>
        ![
          'sampleCount',
          'durationSeconds',
          'aspectRatio',
          'resolution',
          'personGeneration',
          'negativePrompt',
          'enhancePrompt',
        ].includes(snakeToCamel(name)),
    );
    if (badParameter)
      return invalid(
        `\`${badParameter}\` isn't supported by this model. Please remove it or refer to the Gemini API documentation for supported usage.`,
      );
    const ratio = field(parameters, 'aspectRatio') ?? '16:9';
    if (!VIDEO_SIZES[ratio]) return invalid(`Aspect ratio ${ratio} is not supported; use 16:9 or 9:16.`);
    const duration = field(parameters, 'durationSeconds') ?? 8;
    // The docs print "4","6","8" but the API takes a number, as the SDK sends it; a string is refused here.
    if (typeof duration !== 'number')
      return invalid(
        `Invalid value at 'parameters.durationSeconds': expected a number, got ${JSON.stringify(duration)}.`,
      );
    const allowed = model.startsWith('veo-2') ? [5, 6, 8] : [4, 6, 8];
    if (!allowed.includes(duration))
      return invalid(
        `The number value for \`durationSeconds\` is out of bound. Supported values for models/${model}: ${allowed.join(', ')}.`,
      );
    const resolution = field(parameters, 'resolution');
    if (resolution !== undefined) {
      if (model.startsWith('veo-2') || !['720p', '1080p', '4k'].includes(resolution))
        return invalid(`Resolution ${resolution} is not supported by models/${model}.`);
      if (resolution !== '720p' && duration !== 8) return invalid(`${resolution} videos must be 8 seconds long.`);
    }
    if (references !== undefined && duration !== 8)
      return invalid('Videos with reference images must be 8 seconds long.');
    const person = field(parameters, 'personGeneration');
    if (person === 'allow_adult') return invalid('allow_adult for personGeneration is currently not supported.');
    if (person !== undefined && (image !== undefined || person !== 'allow_all'))
      return invalid(`${person} for personGeneration is not supported for this request.`);
    const sampleCount = field(parameters, 'sampleCount');
    if (sampleCount !== undefined && sampleCount !== 1) return invalid('sampleCount must be 1 for this model.');

    if (this.mode === 'rate-limited') return this.rateLimited();
    const id = randomBytes(6).toString('hex');
    const [width, height] = VIDEO_SIZES[ratio];
    this.tasks.set(id, {
      model,
      createdAt: Date.now(),
      seconds: duration,
      width,
      height,
      mode: this.mode,
      shape: this.videoShape,
      fileId: randomBytes(6).toString('hex'),
    });
    void fakeVideo(duration, width, height).catch(() => {}); // encode while the "model" works
    this.acceptedVideos++;
    return { status: 200, body: { name: `models/${model}/operations/${id}` } };
  }

  private async operation(req: RecordedRequest): Promise<Reply> {
    const id = req.path.split('/').pop()!;
    const task = this.tasks.get(id);
    const name = req.path.replace(/^\/v1beta\//, '');
    if (!task || task.mode === 'veo-operation-lost') return googleError(404, `Operation ${name} not found.`);
    if (Date.now() - task.createdAt < this.videoTaskMs) return { status: 200, body: { name } };
    const done = { name, done: true };
    const responseType = 'type.googleapis.com/google.ai.generativelanguage.v1beta.PredictLongRunningResponse';
    if (task.mode === 'veo-operation-error')
      return {
        status: 200,
        body: {
          ...done,
          error: { code: 13, message: 'Video generation failed due to an internal error. Please try again later.' },
        },
      };
    if (task.mode === 'veo-rai-filtered') {
      const reasons = [
        'The video could not be generated because it may violate the usage guidelines for depicting real people.',
      ];
      return {
        status: 200,
        body: {
          ...done,
          response: {
            '@type': responseType,
            generateVideoResponse: { raiMediaFilteredCount: 1, raiMediaFilteredReasons: reasons },
          },
        },
      };
    }
    if (task.shape === 'encodedVideo') {
      const bytes = await fakeVideo(task.seconds, task.width, task.height);
      return {
        status: 200,
        body: {
          ...done,
          response: {
            '@type': responseType,
            generateVideoResponse: {
              generatedSamples: [{ video: { encodedVideo: bytes.toString('base64'), encoding: 'video/mp4' } }],
            },
          },
        },
      };
    }
    const video = { uri: `${this.url}/v1beta/files/${task.fileId}:download?alt=media` };
    this.fileTasks.set(task.fileId, task);
    const result =
      task.shape === 'generatedVideos'
        ? { generatedVideos: [{ video }] }
        : { generateVideoResponse: { generatedSamples: [{ video }] } };
    return { status: 200, body: { ...done, response: { '@type': responseType, ...result } } };
  }

  /** The Files API: needs the key, then redirects to a signed storage URL, as Google does. */
  private download(req: RecordedRequest): Reply {
    const fileId = req.path
      .split('/')
      .pop()!
      .replace(/:download$/, '');
    const task = this.fileTasks.get(fileId);
    if (!task || task.mode === 'veo-file-expired')
      return googleError(404, `File files/${fileId} not found or has expired.`);
    if (req.query.get('alt') !== 'media')
      return { status: 200, body: { name: `files/${fileId}`, mimeType: 'video/mp4', state: 'ACTIVE' } };
    const signature = randomBytes(8).toString('hex');
    this.signedFiles.set(signature, fileId);
    return { status: 302, headers: { location: `${this.url}/signed-storage/${signature}` } };
  }

  private async signedBytes(req: RecordedRequest): Promise<Reply> {
    const fileId = this.signedFiles.get(req.path.split('/').pop()!);
    const task = fileId && this.fileTasks.get(fileId);
    if (!task) return { status: 403, body: 'AccessDenied: the signature is not valid.' };
    return {
      status: 200,
      body: await fakeVideo(task.seconds, task.width, task.height),
      headers: { 'content-type': 'video/mp4' },
    };
  }
}
