import fc from 'fast-check';

/**
 * Requests a hostile or careless client sends, for property-based tests of the whole API: every
 * endpoint, every field given wrong types, huge or deep values, odd unicode and numbers, bad data:
 * URLs and private addresses. Nothing here reaches the public internet (a fetched URL is always a
 * private or malformed one), and no generated request waits for a video to render (see `chat`).
 */
export interface HostileRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  /** A string is sent as is; FormData as multipart. */
  body?: string | FormData;
}

const IMAGE_MODELS = [
  'gpt-image-1',
  'dall-e-3',
  'flux-kontext-pro',
  'nano-banana',
  'doubao-seedream-4-0-250828',
  'gpt-4o-image',
];
const VIDEO_MODELS = ['sora-2', 'veo-3.1', 'kling-v2-1'];

const CONTROL = fc.constantFrom(
  '\u0000',
  '\u0001',
  '\u0007',
  '\u001b',
  '\u007f',
  '\u0085',
  '\u009f',
  '\ufffe',
  '\uffff',
  '\ud800',
  '\udfff',
  '\u202e',
  '\ufeff',
);

/** Strings that have broken parsers, renderers or logs somewhere. */
const nastyString = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({ unit: 'grapheme', maxLength: 20 }),
  fc.array(fc.oneof(CONTROL, fc.string({ maxLength: 4 })), { maxLength: 12 }).map((parts) => parts.join('')),
  fc.constantFrom(
    '',
    ' ',
    '\n\n',
    '%00',
    '%',
    '%zz',
    '../../etc/passwd',
    '__proto__',
    'constructor',
    '{{7*7}}',
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a template placeholder is the hostile input itself.
    '${x}',
    '<svg onload=1>',
    '🙂'.repeat(50),
    '横屏 竖屏 --ar 99:1 --duration -5 --n 1e9 --seed 1e400',
  ),
  fc.constantFrom(10_000, 40_000, 200_000).map((n) => 'x'.repeat(n)),
);

/** Numbers JSON can carry that validators get wrong. */
const oddNumber = fc.oneof(
  fc.constantFrom(0, -0, -1, 1e308, -1e308, 5e-324, 2 ** 53 + 1, 1.5, 4.0000001, 99999999999),
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
);

const b64 = (text: string) => Buffer.from(text).toString('base64');
/** A tiny valid PNG (1x1), and images that only look like one. */
const PNG_1X1 = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==';
const badUrl = fc.constantFrom(
  'data:',
  'data:image/png;base64,',
  'data:image/png;base64,!!!!',
  `data:image/png;base64,${PNG_1X1.slice(0, 40)}`,
  `data:image/png;base64,${b64('\x89PNG\r\n\x1a\nnot really')}`,
  `data:image/svg+xml;base64,${b64('<svg xmlns="http://www.w3.org/2000/svg" width="99999" height="99999"/>')}`,
  'data:image/png,%E0%A4%A',
  'data:text/plain,hello',
  `data:image/png;base64,${PNG_1X1}`,
  'http://127.0.0.1:1/a.png',
  'http://169.254.169.254/latest/meta-data/',
  'http://[::1]/x.png',
  'http://10.0.0.1/x.png',
  'http://localhost/x.png',
  'http://0x7f000001/x.png',
  'file:///etc/passwd',
  'ftp://10.0.0.1/x.png',
  'javascript:alert(1)',
  'https://',
  'http://user:pass@192.168.1.1/x.png',
);

/** Any JSON value a field might wrongly hold, including deep nesting. */
const junk: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 3, arbitrary: nastyString },
  { weight: 2, arbitrary: oddNumber },
  { weight: 1, arbitrary: fc.constantFrom(null, true, false, [], {}) },
  { weight: 1, arbitrary: badUrl },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
  {
    weight: 1,
    arbitrary: fc
      .integer({ min: 40, max: 3_000 })
      .map((depth) => JSON.parse(`${'['.repeat(Math.min(depth, 60))}${']'.repeat(Math.min(depth, 60))}`)),
  },
);

/** A field that is usually valid and sometimes anything at all. */
const field = <T>(valid: fc.Arbitrary<T>) => fc.oneof({ weight: 3, arbitrary: valid }, { weight: 2, arbitrary: junk });

const prompt = field(
  fc.oneof(fc.constantFrom('a cat', 'waves at dusk 横屏', 'a red fox --ar 16:9 --seed 7'), nastyString),
);
const model = (models: string[]) => field(fc.constantFrom(...models, 'no-such-model', 'SORA-2', ''));
const imageRef = fc.oneof(
  badUrl.map((url) => ({ image_url: url })),
  badUrl,
  fc.record({ file_id: nastyString }),
  junk,
);

/** Deep nesting as text (JSON.stringify of a deep value would itself overflow). */
const deepText = fc
  .integer({ min: 65, max: 20_000 })
  .map((depth) => `{"model":"sora-2","prompt":"x","x":${'['.repeat(depth)}${']'.repeat(depth)}}`);

/** A body: a mostly valid object with some fields spoiled, or raw text that is not what it claims. */
function jsonBody(fields: Record<string, fc.Arbitrary<unknown>>): fc.Arbitrary<string> {
  const object = fc
    .tuple(fc.record(fields, { requiredKeys: [] }), fc.dictionary(nastyString, junk, { maxKeys: 3 }))
    .map(([known, extra]) => JSON.stringify({ ...extra, ...known }) ?? 'null');
  const raw = fc.oneof(
    fc.constantFrom(
      '',
      '{',
      '[]',
      'null',
      '"x"',
      '{"a":1,}',
      '{"__proto__":{"x":1}}',
      '{"constructor":{"prototype":{}}}',
      '\u0000',
      '{"model":"sora-2"',
    ),
    junk.map((value) => JSON.stringify(value) ?? 'null'),
    deepText,
    fc.string({ unit: 'binary', maxLength: 200 }),
  );
  return fc.oneof({ weight: 6, arbitrary: object }, { weight: 2, arbitrary: raw });
}

/** A POST of a JSON body built from `fields` (or raw junk), with hostile headers and content types. */
function jsonPost(
  key: string,
  path: string,
  fields: Record<string, fc.Arbitrary<unknown>>,
  finish: (body: string) => string = (body) => body,
): fc.Arbitrary<HostileRequest> {
  return fc
    .record({ body: jsonBody(fields), headers: headers(key), type: contentType })
    .map(({ body, headers, type }) => ({
      method: 'POST',
      path,
      headers: { ...headers, 'content-type': type },
      body: finish(body),
    }));
}

const contentType = fc.oneof(
  { weight: 8, arbitrary: fc.constant('application/json') },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      'application/json; charset=utf-16',
      'text/plain',
      'application/x-www-form-urlencoded',
      'multipart/form-data',
      'application/xml',
      ';;;',
      'application/json; boundary="',
    ),
  },
);

/** Extra headers: idempotency keys of every shape, and sometimes a broken Authorization. */
const headers = (key: string) =>
  fc
    .record(
      {
        idempotency: fc.option(
          fc.oneof(
            fc.uuid(),
            nastyString.filter((s) => /^[\t\x20-\x7e\x80-\xff]*$/.test(s) && s.length < 4000),
          ),
          { nil: undefined },
        ),
        auth: fc.oneof(
          { weight: 12, arbitrary: fc.constant(`Bearer ${key}`) },
          {
            weight: 1,
            arbitrary: fc.constantFrom('', 'Bearer', 'Bearer wrong', `Basic ${key}`, key, `Bearer ${key} extra`),
          },
        ),
      },
      { requiredKeys: ['auth'] },
    )
    .map(({ idempotency, auth }) => ({
      authorization: auth,
      ...(idempotency !== undefined && { 'idempotency-key': idempotency }),
    }));

/** An id path segment: real-looking, or anything (percent-encoded so it reaches the server). */
const idSegment = fc.oneof(
  fc.constantFrom(
    'video_abc',
    'job_0000',
    'chatcmpl-job_x',
    'video_',
    '..',
    '%2e%2e',
    '%00',
    '%zz',
    'a'.repeat(101),
    'a'.repeat(3000),
  ),
  nastyString.map((s) => encodePathSegment(s).slice(0, 300)),
);

/** encodeURIComponent, with lone surrogates (which it refuses) sent as raw %-escapes of their UTF-16 units. */
function encodePathSegment(text: string): string {
  return text
    .replace(/[\ud800-\udfff]/g, (unit) => `%${unit.charCodeAt(0).toString(16)}`)
    .replace(/[^%]+/g, (part) => encodeURIComponent(part));
}

const messages = field(
  fc.array(
    fc.record(
      {
        role: field(fc.constantFrom('user', 'system', 'assistant', 'tool')),
        content: field(
          fc.oneof(
            nastyString,
            fc.array(
              fc.oneof(
                fc.record({ type: fc.constant('text'), text: field(nastyString) }),
                fc.record({
                  type: fc.constant('image_url'),
                  image_url: field(
                    fc.oneof(
                      badUrl.map((url) => ({ url })),
                      badUrl,
                    ),
                  ),
                }),
                fc.record({ type: field(fc.constantFrom('audio', 'image_url', 'text')) }),
              ),
              { maxLength: 4 },
            ),
          ),
        ),
      },
      { requiredKeys: [] },
    ),
    { maxLength: 4 },
  ),
);

function chat(key: string): fc.Arbitrary<HostileRequest> {
  const fields = {
    model: model([...IMAGE_MODELS, ...VIDEO_MODELS]),
    messages,
    stream: field(fc.boolean()),
    n: field(fc.integer({ min: 0, max: 12 })),
    size: field(fc.constantFrom('1024x1024', '1x1', '99999x99999', 'auto')),
    seconds: field(fc.constantFrom(4, '8', 0, -1)),
    aspect_ratio: field(fc.constantFrom('16:9', '0:0', '1:0')),
    seed: field(fc.integer()),
    output_format: field(fc.constantFrom('png', 'jpg', 'gif')),
    negative_prompt: field(nastyString),
    webhook_url: field(badUrl),
  };
  // A valid non-streaming video request would wait for a render; streamed, its answer starts at once.
  return jsonPost(key, '/v1/chat/completions', fields, streamVideoRequests);
}

function streamVideoRequests(body: string): string {
  try {
    const parsed = JSON.parse(body);
    if (
      parsed &&
      typeof parsed === 'object' &&
      !Array.isArray(parsed) &&
      VIDEO_MODELS.includes(parsed.model) &&
      parsed.stream !== true
    ) {
      return JSON.stringify({ ...parsed, stream: true });
    }
  } catch {
    // Not JSON: sent as it is.
  }
  return body;
}

function imagesGenerations(key: string): fc.Arbitrary<HostileRequest> {
  const fields = {
    model: model(IMAGE_MODELS),
    prompt,
    n: field(fc.integer({ min: 0, max: 12 })),
    size: field(fc.constantFrom('1024x1024', 'auto', '0x0', '1024X1024', '-1x5')),
    quality: field(fc.constantFrom('high', 'low', 'ultra')),
    response_format: field(fc.constantFrom('url', 'b64_json', 'xml')),
    output_format: field(fc.constantFrom('png', 'jpeg', 'webp', 'bmp')),
    background: field(fc.constantFrom('transparent', 'opaque', 'plaid')),
    negative_prompt: field(nastyString),
    webhook_url: field(badUrl),
  };
  return jsonPost(key, '/v1/images/generations', fields);
}

function imagesEditsJson(key: string): fc.Arbitrary<HostileRequest> {
  const fields = {
    model: model(IMAGE_MODELS),
    prompt,
    images: field(fc.array(imageRef, { maxLength: 20 })),
    mask: field(imageRef),
    n: field(fc.integer()),
    size: field(nastyString),
  };
  return jsonPost(key, '/v1/images/edits', fields);
}

function videosJson(key: string): fc.Arbitrary<HostileRequest> {
  const fields = {
    model: model(VIDEO_MODELS),
    prompt,
    seconds: field(fc.constantFrom('4', 4, '8', '12', '0', '-4', '4.5', 'four', 600)),
    size: field(fc.constantFrom('720x1280', '1280x720', '1x1', 'big')),
    input_reference: field(imageRef),
    seed: field(fc.integer()),
    webhook_url: field(badUrl),
  };
  return jsonPost(key, '/v1/videos', fields);
}

/** Bytes that claim to be an image: damaged, truncated, another format, or nothing. */
const uploadBytes = fc.oneof(
  fc.constant(Buffer.from(PNG_1X1, 'base64')),
  fc.constant(Buffer.from(PNG_1X1, 'base64').subarray(0, 30)),
  fc.uint8Array({ maxLength: 2_000 }).map((bytes) => Buffer.from(bytes)),
  fc.constant(Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"/>')),
  fc.constant(Buffer.alloc(0)),
);

function multipart(path: string, fileField: fc.Arbitrary<string>, key: string): fc.Arbitrary<HostileRequest> {
  const textField = fc.tuple(
    fc.oneof(
      fc.constantFrom(
        'prompt',
        'model',
        'n',
        'size',
        'seconds',
        'input_reference',
        'image[]',
        'a[b]',
        'a[b][c]',
        '__proto__',
        'x'.repeat(300),
      ),
      nastyString,
    ),
    field(nastyString),
  );
  const file = fc.tuple(
    fileField,
    uploadBytes,
    fc.constantFrom('image/png', 'application/octet-stream', ''),
    fc.oneof(fc.constant('a.png'), nastyString),
  );
  return fc
    .record({
      texts: fc.array(textField, { maxLength: 8 }),
      files: fc.array(file, { maxLength: 4 }),
      headers: headers(key),
    })
    .map(({ texts, files, headers }) => {
      const form = new FormData();
      for (const [name, value] of texts)
        form.append(name, typeof value === 'string' ? value : (JSON.stringify(value) ?? ''));
      for (const [name, bytes, type, filename] of files)
        form.append(name, new Blob([new Uint8Array(bytes)], { type }), filename || 'x');
      return { method: 'POST', path, headers, body: form };
    });
}

/** Multipart bodies written by hand: missing boundaries, parts cut short, junk between. */
function brokenMultipart(path: string, key: string): fc.Arbitrary<HostileRequest> {
  const body = fc.constantFrom(
    '--XX\r\nContent-Disposition: form-data; name="prompt"\r\n\r\nhello\r\n',
    '--XX\r\nContent-Disposition: form-data; name="image"; filename="a.png"\r\n\r\n\x89PNG',
    '--XX\r\nContent-Disposition: form-data\r\n\r\nno name\r\n--XX--\r\n',
    '--XX\r\nno headers at all\r\n--XX--\r\n',
    '--XX--\r\n',
    'not a form',
    '',
  );
  const type = fc.constantFrom(
    'multipart/form-data; boundary=XX',
    'multipart/form-data',
    'multipart/form-data; boundary=',
    'multipart/form-data; boundary=YY',
    'multipart/mixed; boundary=XX',
  );
  return fc
    .record({ body, type, headers: headers(key) })
    .map(({ body, type, headers }) => ({ method: 'POST', path, headers: { ...headers, 'content-type': type }, body }));
}

function reads(key: string): fc.Arbitrary<HostileRequest> {
  const query = fc.oneof(
    fc.constant(''),
    fc.constantFrom(
      '?variant=video',
      '?variant=thumbnail',
      '?variant=%00',
      '?variant=',
      '?limit=0',
      '?limit=1e9',
      '?after=%zz',
      '?order=sideways',
      '?a=1&a=2',
    ),
  );
  return fc
    .record({
      kind: fc.constantFrom(
        'video',
        'content',
        'remix',
        'delete',
        'job',
        'cancel',
        'model',
        'models',
        'list',
        'media',
        'webhook-get',
        'webhook-put',
        'health',
        'openapi',
      ),
      id: idSegment,
      query,
      headers: headers(key),
      put: jsonBody({ url: field(badUrl) }),
      remix: jsonBody({ prompt }),
    })
    .map(({ kind, id, query, headers, put, remix }): HostileRequest => {
      const json = { ...headers, 'content-type': 'application/json' };
      switch (kind) {
        case 'video':
          return { method: 'GET', path: `/v1/videos/${id}${query}`, headers };
        case 'content':
          return { method: 'GET', path: `/v1/videos/${id}/content${query}`, headers };
        case 'remix':
          return { method: 'POST', path: `/v1/videos/${id}/remix`, headers: json, body: remix };
        case 'delete':
          return { method: 'DELETE', path: `/v1/videos/${id}`, headers };
        case 'job':
          return { method: 'GET', path: `/v1/jobs/${id}`, headers };
        case 'cancel':
          return { method: 'POST', path: `/v1/jobs/${id}/cancel`, headers };
        case 'model':
          return { method: 'GET', path: `/v1/models/${id}`, headers };
        case 'models':
          return { method: 'GET', path: `/v1/models${query}`, headers };
        case 'list':
          return { method: 'GET', path: `/v1/videos${query}`, headers };
        case 'media':
          return { method: 'GET', path: `/media/${id}/${id}.png`, headers };
        case 'webhook-get':
          return { method: 'GET', path: '/v1/webhooks/default', headers };
        case 'webhook-put':
          return { method: 'PUT', path: '/v1/webhooks/default', headers: json, body: put };
        case 'health':
          return { method: 'GET', path: `/health${query}`, headers };
        default:
          return { method: 'GET', path: '/openapi.json', headers };
      }
    });
}

/** Every endpoint, weighted towards the ones that take bodies. */
export function hostileRequest(key: string): fc.Arbitrary<HostileRequest> {
  return fc.oneof(
    { weight: 4, arbitrary: chat(key) },
    { weight: 3, arbitrary: imagesGenerations(key) },
    { weight: 2, arbitrary: imagesEditsJson(key) },
    { weight: 2, arbitrary: multipart('/v1/images/edits', fc.constantFrom('image', 'image[]', 'mask', 'other'), key) },
    { weight: 3, arbitrary: videosJson(key) },
    { weight: 2, arbitrary: multipart('/v1/videos', fc.constantFrom('input_reference', 'image', 'other'), key) },
    { weight: 1, arbitrary: brokenMultipart('/v1/images/edits', key) },
    { weight: 1, arbitrary: brokenMultipart('/v1/videos', key) },
    { weight: 4, arbitrary: reads(key) },
  );
}
