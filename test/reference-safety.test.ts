import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { crc32, deflateSync } from 'node:zlib';
import OpenAI from 'openai';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseLabel } from './helpers/database.js';
import { download, firstLink, startGateway, TEST_API_KEY, type RunningGateway } from './helpers/gateway.js';
import { imageInfo } from './helpers/media.js';

const MAX_BYTES = 64 * 1024;
const BODY_LIMIT = 256 * 1024;
const LIMITS = { MEDIAGATE_REFERENCE_MAX_BYTES: String(MAX_BYTES), MEDIAGATE_BODY_LIMIT_BYTES: String(BODY_LIMIT) };
const REF_PARAM = 'messages[0].content[1].image_url.url';

function pngChunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body) >>> 0);
  return Buffer.concat([length, body, crc]);
}

/** A 74-byte PNG whose header claims 30000x30000 RGB (2.7 GB decoded): a decompression bomb. */
function pngBomb(): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(30_000, 0);
  ihdr.writeUInt32BE(30_000, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // truecolour
  const signature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  return Buffer.concat([
    signature,
    pngChunk('IHDR', ihdr),
    pngChunk('IDAT', deflateSync(Buffer.alloc(1024))),
    pngChunk('IEND', Buffer.alloc(0)),
  ]);
}

/** A fake image host on a loopback address that counts the requests it gets. */
interface FakeHost {
  origin: string;
  hits: string[];
  close(): Promise<void>;
}

async function startHost(
  address: string,
  routes: (origin: string) => Record<string, (res: import('node:http').ServerResponse) => void>,
): Promise<FakeHost> {
  const hits: string[] = [];
  let table: ReturnType<typeof routes> = {};
  const server: Server = createServer((req, res) => {
    const path = req.url ?? '/';
    hits.push(path);
    const loop = /^\/loop\/(\d+)$/.exec(path);
    if (loop) {
      res.writeHead(302, { location: `/loop/${Number(loop[1]) + 1}` }).end();
      return;
    }
    const handler = table[path];
    if (!handler) res.writeHead(404).end();
    else handler(res);
  });
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, address, resolve));
  const origin = `http://${address}:${(server.address() as AddressInfo).port}`;
  table = routes(origin);
  return { origin, hits, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

const REFERENCE_COLOR = { r: 255, g: 0, b: 255 };

describe(`reference images are fetched safely (${databaseLabel})`, () => {
  let strict: RunningGateway;
  let allowing: RunningGateway;
  let host: FakeHost;
  /** A second loopback host that is not on the allowlist; nothing may ever reach it. */
  let hidden: FakeHost;
  let referencePng: Buffer;

  beforeAll(async () => {
    referencePng = await sharp({ create: { width: 64, height: 64, channels: 3, background: REFERENCE_COLOR } })
      .png()
      .toBuffer();
    const serve = (type: string, data: Buffer) => (res: import('node:http').ServerResponse) =>
      res.writeHead(200, { 'content-type': type, 'content-length': data.length }).end(data);
    hidden = await startHost('127.0.0.2', () => ({ '/ref.png': serve('image/png', referencePng) }));
    host = await startHost('127.0.0.1', () => ({
      '/ref.png': serve('image/png', referencePng),
      '/redirect-ok': (res) => res.writeHead(302, { location: '/ref.png' }).end(),
      '/redirect-private': (res) => res.writeHead(302, { location: `${hidden.origin}/ref.png` }).end(),
      '/redirect-metadata': (res) => res.writeHead(301, { location: 'http://169.254.169.254/latest/meta-data/' }).end(),
      '/redirect-mapped': (res) =>
        res.writeHead(307, { location: `http://[::ffff:127.0.0.2]:${new URL(hidden.origin).port}/ref.png` }).end(),
      '/redirect-file': (res) => res.writeHead(302, { location: 'file:///etc/passwd' }).end(),
      '/big': serve('image/png', Buffer.alloc(MAX_BYTES + 1)),
      '/big-chunked': (res) => {
        // No Content-Length: the limit must hold while streaming.
        res.writeHead(200, { 'content-type': 'image/png' });
        for (let i = 0; i < 8; i++) res.write(Buffer.alloc(16 * 1024));
        res.end();
      },
      '/bomb.png': serve('image/png', pngBomb()),
      '/not-an-image.png': serve('image/png', Buffer.from('<html>this is not a picture</html>')),
    }));
    strict = await startGateway(LIMITS);
    allowing = await startGateway({ ...LIMITS, MEDIAGATE_FETCH_ALLOWLIST: '127.0.0.1' });
  });
  afterAll(async () => {
    await Promise.all([strict?.close(), allowing?.close(), host?.close(), hidden?.close()]);
  });

  const body = (url: string, model = 'gpt-image-1') => ({
    model,
    messages: [
      {
        role: 'user',
        content: [
          { type: 'text', text: 'turn this into a poster' },
          { type: 'image_url', image_url: { url } },
        ],
      },
    ],
  });

  async function post(gw: RunningGateway, payload: unknown): Promise<{ status: number; json: unknown }> {
    const res = await fetch(`${gw.baseUrl}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${TEST_API_KEY}` },
      body: JSON.stringify(payload),
    });
    return { status: res.status, json: await res.json() };
  }

  const envelope = (message: string | ReturnType<typeof expect.stringMatching>, code: string) => ({
    error: { message, type: 'invalid_request_error', param: REF_PARAM, code },
  });

  describe('private, loopback and link-local addresses are refused before any connection', () => {
    it.each([
      ['127.0.0.1', () => `${host.origin}/ref.png`, (url: string) => `${new URL(url).origin}: 127.0.0.1 is`],
      [
        '[::1]',
        () => `http://[::1]:${new URL(host.origin).port}/ref.png`,
        (url: string) => `${new URL(url).origin}: ::1 is`,
      ],
      [
        '169.254.169.254 (cloud metadata)',
        () => 'http://169.254.169.254/latest/meta-data/',
        () => 'http://169.254.169.254: 169.254.169.254 is',
      ],
      ['10.0.0.1', () => 'http://10.0.0.1/cat.png', () => 'http://10.0.0.1: 10.0.0.1 is'],
      [
        '[::ffff:127.0.0.1] (IPv4-mapped)',
        () => `http://[::ffff:127.0.0.1]:${new URL(host.origin).port}/ref.png`,
        (url: string) => `${new URL(url).origin}: ::ffff:7f00:1 is`,
      ],
      [
        '0x7f.1 (hex shorthand for 127.0.0.1)',
        () => `http://0x7f.1:${new URL(host.origin).port}/ref.png`,
        (url: string) => `${new URL(url).origin}: 127.0.0.1 is`,
      ],
      [
        '[64:ff9b::7f00:1] (NAT64)',
        () => 'http://[64:ff9b::7f00:1]/x.png',
        () => 'http://[64:ff9b::7f00:1]: 64:ff9b::7f00:1 is',
      ],
    ])('%s → 400 image_url_not_allowed', async (_label, urlOf, refused) => {
      const url = urlOf();
      const before = host.hits.length;
      const { status, json } = await post(strict, body(url));
      expect(status).toBe(400);
      expect(json).toEqual(
        envelope(
          `Could not use the image in ${REF_PARAM}: Refused to fetch ${refused(url)} a private, loopback or link-local address. Use a public URL or a data: URL.`,
          'image_url_not_allowed',
        ),
      );
      expect(host.hits.length).toBe(before);
    });

    it('localhost is refused by what it resolves to', async () => {
      const url = `http://localhost:${new URL(host.origin).port}/ref.png`;
      const { status, json } = await post(strict, body(url));
      expect(status).toBe(400);
      expect(json).toEqual(
        envelope(
          expect.stringMatching(
            /^Could not use the image in .+: Refused to fetch http:\/\/localhost:\d+: it resolves to (127\.0\.0\.1|::1), a private, loopback or link-local address\./,
          ),
          'image_url_not_allowed',
        ),
      );
      expect(host.hits).not.toContain('/ref.png');
    });

    it('the openai client sees a BadRequestError with the code and the field', async () => {
      const err = await strict.client.chat.completions
        .create({
          model: 'gpt-image-1',
          messages: [
            {
              role: 'user',
              content: [
                { type: 'text', text: 'a poster' },
                { type: 'image_url', image_url: { url: 'http://169.254.169.254/latest/meta-data/' } },
              ],
            },
          ],
        })
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(OpenAI.BadRequestError);
      expect((err as InstanceType<typeof OpenAI.BadRequestError>).code).toBe('image_url_not_allowed');
      expect((err as InstanceType<typeof OpenAI.BadRequestError>).param).toBe(REF_PARAM);
    });
  });

  describe('an allow-listed host', () => {
    it('serving a valid PNG works end to end: the sandbox image shows the reference', async () => {
      const completion = await allowing.client.chat.completions.create({
        model: 'gpt-image-1',
        messages: [
          {
            role: 'user',
            content: [
              { type: 'text', text: 'turn this into a poster' },
              { type: 'image_url', image_url: { url: `${host.origin}/redirect-ok` } },
            ],
          },
        ],
      });
      const content = completion.choices[0].message.content ?? '';
      expect(content).toMatch(/^!\[image\]\(http:\/\/.+\)$/m);
      const png = await download(firstLink(content));
      expect(await imageInfo(png)).toEqual({ format: 'png', width: 1024, height: 1024 });
      // The reference is drawn as an inset at the top right (margin 1024/14, side 0.4 × 1024).
      const margin = Math.round(1024 / 14);
      const inset = Math.round(1024 * 0.4);
      const { data } = await sharp(png)
        .extract({ left: 1024 - margin - inset / 2 - 2, top: margin + inset / 2 - 2, width: 4, height: 4 })
        .removeAlpha()
        .raw()
        .toBuffer({ resolveWithObject: true });
      expect([data[0], data[1], data[2]]).toEqual([REFERENCE_COLOR.r, REFERENCE_COLOR.g, REFERENCE_COLOR.b]);
      expect(host.hits).toEqual(expect.arrayContaining(['/redirect-ok', '/ref.png']));
    });

    it.each([
      ['a non-allow-listed loopback address', '/redirect-private', () => hidden.origin],
      [
        'the IPv4-mapped form of that address',
        '/redirect-mapped',
        () => `http://[::ffff:7f00:2]:${new URL(hidden.origin).port}`,
      ],
      ['the cloud metadata address', '/redirect-metadata', () => 'http://169.254.169.254'],
    ])('redirecting to %s is refused after the redirect', async (_label, path, refusedOrigin) => {
      const { status, json } = await post(allowing, body(`${host.origin}${path}`));
      expect(status).toBe(400);
      const origin = refusedOrigin();
      const address = new URL(origin).hostname.replace(/^\[|\]$/g, '');
      expect(json).toEqual(
        envelope(
          `Could not use the image in ${REF_PARAM}: Refused to fetch ${origin} (reached by a redirect): ${address} is a private, loopback or link-local address. Use a public URL or a data: URL.`,
          'image_url_not_allowed',
        ),
      );
      expect(hidden.hits).toEqual([]);
    });

    it('a redirect to another scheme is refused', async () => {
      const { status, json } = await post(allowing, body(`${host.origin}/redirect-file`));
      expect(status).toBe(400);
      expect(json).toEqual(
        envelope(
          `Could not use the image in ${REF_PARAM}: Only http and https URLs can be fetched, not file:.`,
          'image_url_not_allowed',
        ),
      );
    });

    it('more than 3 redirects are refused', async () => {
      const url = `${host.origin}/loop/0`;
      const { status, json } = await post(allowing, body(url));
      expect(status).toBe(400);
      expect(json).toEqual(
        envelope(`Could not use the image in ${REF_PARAM}: ${url} redirected more than 3 times.`, 'image_fetch_failed'),
      );
      expect(host.hits.filter((p) => p.startsWith('/loop/'))).toEqual(['/loop/0', '/loop/1', '/loop/2', '/loop/3']);
    });

    it('a response over MEDIAGATE_REFERENCE_MAX_BYTES is refused from its Content-Length', async () => {
      const { status, json } = await post(allowing, body(`${host.origin}/big`));
      expect(status).toBe(400);
      expect(json).toEqual(
        envelope(
          `Could not use the image in ${REF_PARAM}: ${host.origin} sent ${MAX_BYTES + 1} bytes; the limit is ${MAX_BYTES}.`,
          'image_too_large',
        ),
      );
    });

    it('a chunked response is cut off once it passes the limit', async () => {
      const { status, json } = await post(allowing, body(`${host.origin}/big-chunked`));
      expect(status).toBe(400);
      expect(json).toEqual(
        envelope(
          `Could not use the image in ${REF_PARAM}: ${host.origin} sent more than the ${MAX_BYTES}-byte limit.`,
          'image_too_large',
        ),
      );
    });

    it('a PNG whose header claims 30000x30000 is refused before decoding', async () => {
      const { status, json } = await post(allowing, body(`${host.origin}/bomb.png`));
      expect(status).toBe(400);
      expect(json).toEqual(
        envelope(`The image in ${REF_PARAM} is 30000x30000; the limit is 40000000 pixels.`, 'image_too_large'),
      );
    });

    it('bytes that are not an image are refused', async () => {
      const { status, json } = await post(allowing, body(`${host.origin}/not-an-image.png`));
      expect(status).toBe(400);
      expect(json).toEqual(
        envelope(`The file in ${REF_PARAM} is not an image we can read (PNG, JPEG, WebP or GIF).`, 'invalid_image'),
      );
    });
  });

  describe('data: URLs get the same limits', () => {
    it('over MEDIAGATE_REFERENCE_MAX_BYTES → image_too_large, without decoding it', async () => {
      const url = `data:image/png;base64,${Buffer.alloc(MAX_BYTES + 3).toString('base64')}`;
      const { status, json } = await post(strict, body(url));
      expect(status).toBe(400);
      expect(json).toEqual(envelope(`The image in ${REF_PARAM} is larger than ${MAX_BYTES} bytes.`, 'image_too_large'));
    });

    it('a decompression bomb → image_too_large', async () => {
      const { status, json } = await post(strict, body(`data:image/png;base64,${pngBomb().toString('base64')}`));
      expect(status).toBe(400);
      expect(json).toEqual(
        envelope(`The image in ${REF_PARAM} is 30000x30000; the limit is 40000000 pixels.`, 'image_too_large'),
      );
    });

    it('non-image bytes → invalid_image', async () => {
      const { status, json } = await post(
        strict,
        body(`data:image/png;base64,${Buffer.from('GIF? no, plain text').toString('base64')}`),
      );
      expect(status).toBe(400);
      expect(json).toEqual(
        envelope(`The file in ${REF_PARAM} is not an image we can read (PNG, JPEG, WebP or GIF).`, 'invalid_image'),
      );
    });

    it('broken %-encoding → invalid_image, not a server error', async () => {
      const { status, json } = await post(strict, body('data:image/png,%E0%A4%A'));
      expect(status).toBe(400);
      expect(json).toEqual(envelope(`The %-encoded data in ${REF_PARAM} is malformed.`, 'invalid_image'));
    });
  });

  it('a request body over MEDIAGATE_BODY_LIMIT_BYTES → 413 envelope', async () => {
    const url = `data:image/png;base64,${Buffer.alloc(BODY_LIMIT).toString('base64')}`;
    const { status, json } = await post(strict, body(url));
    expect(status).toBe(413);
    expect(json).toEqual({
      error: {
        message: 'The request body is too large. Send images as URLs, or smaller data: URLs.',
        type: 'invalid_request_error',
        param: null,
        code: 'request_too_large',
      },
    });
  });
});
