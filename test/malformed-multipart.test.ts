import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseLabel } from './helpers/database.js';
import { startGateway, TEST_API_KEY, type RunningGateway } from './helpers/gateway.js';
import { pngBuffer } from './helpers/images.js';

const auth = { authorization: `Bearer ${TEST_API_KEY}` };
const envelope = (message: string, code: string) => ({
  error: { message, type: 'invalid_request_error', param: null, code },
});
const NO_BOUNDARY =
  'The multipart form is malformed: the Content-Type header has no boundary (multipart/form-data; boundary=…).';
const CUT_SHORT =
  'The multipart form is malformed: the body ends before the closing boundary (--boundary--); a part was cut short or the boundary is wrong.';

/** A form the parser cannot read is a 400 naming the problem, on both endpoints that take forms. */
describe(`malformed multipart forms (${databaseLabel})`, () => {
  let gw: RunningGateway;
  let png: Buffer;
  beforeAll(async () => {
    gw = await startGateway();
    png = await pngBuffer(64, 64);
  });
  afterAll(async () => gw?.close());

  const post = (path: string, contentType: string, body: string | Buffer) =>
    fetch(`${gw.baseUrl}${path}`, {
      method: 'POST',
      headers: { ...auth, 'content-type': contentType },
      body: new Uint8Array(Buffer.from(body)),
    });
  const filePart = (name: string, data: Buffer) =>
    Buffer.concat([
      Buffer.from(
        `--XX\r\nContent-Disposition: form-data; name="${name}"; filename="a.png"\r\nContent-Type: image/png\r\n\r\n`,
      ),
      data,
    ]);

  for (const path of ['/v1/images/edits', '/v1/videos']) {
    it(`${path}: no boundary in the Content-Type`, async () => {
      const res = await post(path, 'multipart/form-data', 'prompt=x');
      expect(res.status).toBe(400);
      expect(await res.json()).toEqual(envelope(NO_BOUNDARY, 'invalid_multipart'));
    });

    it(`${path}: no closing boundary`, async () => {
      const res = await post(
        path,
        'multipart/form-data; boundary=XX',
        '--XX\r\nContent-Disposition: form-data; name="prompt"\r\n\r\nhello\r\n',
      );
      expect(res.status).toBe(400);
      expect(await res.json()).toEqual(envelope(CUT_SHORT, 'invalid_multipart'));
    });

    it(`${path}: a file part cut short`, async () => {
      const res = await post(
        path,
        'multipart/form-data; boundary=XX',
        filePart(path === '/v1/videos' ? 'input_reference' : 'image', png.subarray(0, 40)),
      );
      expect(res.status).toBe(400);
      expect(await res.json()).toEqual(envelope(CUT_SHORT, 'invalid_multipart'));
    });
  }

  it('/v1/videos: a second file is a 400 too_many_files', async () => {
    const form = new FormData();
    form.append('prompt', 'waves');
    form.append('input_reference', new Blob([new Uint8Array(png)], { type: 'image/png' }), 'a.png');
    form.append('input_reference', new Blob([new Uint8Array(png)], { type: 'image/png' }), 'b.png');
    const res = await fetch(`${gw.baseUrl}/v1/videos`, { method: 'POST', headers: auth, body: form });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual(envelope('Only one file can be uploaded in this request.', 'too_many_files'));
  });

  it('/v1/images/edits: more than 100 text fields is a 400 too_many_fields', async () => {
    const form = new FormData();
    for (let i = 0; i < 150; i++) form.append(`f${i}`, 'x');
    const res = await fetch(`${gw.baseUrl}/v1/images/edits`, { method: 'POST', headers: auth, body: form });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual(envelope('The form has too many fields.', 'too_many_fields'));
  });
});
