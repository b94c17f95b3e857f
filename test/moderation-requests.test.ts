import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../src/db/index.js';
import { SqlJobStore } from '../src/jobs/job-store.js';
import type { JobRecord } from '../src/jobs/types.js';
import { cartoonFaceSvg, photoOfPerson } from './fixtures/moderation/labelled-set.js';
import { databaseLabel } from './helpers/database.js';
import { download, firstLink, startGateway, TEST_API_KEY, type RunningGateway } from './helpers/gateway.js';

/** A fake OpenAI-compatible /v1/moderations service on 127.0.0.1, the only fake in this file. */
interface FakeModeration {
  url: string;
  calls: { authorization?: string; body: { model: string; input: string } }[];
  close(): Promise<void>;
}

async function startFakeModeration(): Promise<FakeModeration> {
  const calls: FakeModeration['calls'] = [];
  const readBody = async (req: IncomingMessage) => {
    let text = '';
    for await (const chunk of req) text += chunk;
    return JSON.parse(text) as { model: string; input: string };
  };
  const server: Server = createServer(async (req, res) => {
    const body = await readBody(req);
    calls.push({ authorization: req.headers.authorization, body });
    if (body.input.includes('remote-outage')) {
      res.writeHead(500, { 'content-type': 'application/json' }).end('{"error":{"message":"down"}}');
      return;
    }
    const insult = body.input.includes('worthless');
    res.writeHead(200, { 'content-type': 'application/json' }).end(
      JSON.stringify({
        id: 'modr-1',
        model: body.model,
        results: [
          {
            flagged: insult,
            categories: { harassment: insult, 'harassment/threatening': false, sexual: false, violence: false },
            category_scores: {
              harassment: insult ? 0.9731 : 0.0012,
              'harassment/threatening': 0.0003,
              sexual: 0.0001,
              violence: 0.0002,
            },
          },
        ],
      }),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/v1`,
    calls,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

const dataUrl = (bytes: Buffer, type = 'image/png') => `data:${type};base64,${bytes.toString('base64')}`;

describe(`moderation of requests: reference images (stage 1) and prompts (stage 2) (${databaseLabel})`, () => {
  let gw: RunningGateway;
  let fake: FakeModeration;
  let photo: string;
  let cartoon: string;

  beforeAll(async () => {
    fake = await startFakeModeration();
    gw = await startGateway({
      MEDIAGATE_MODERATION_API_URL: fake.url,
      MEDIAGATE_MODERATION_API_KEY: 'sk-moderation-test-key',
      MEDIAGATE_MODERATION_MODEL_REFERENCES: 'nano-banana=block',
      MEDIAGATE_MODERATION_PROMPT_ACTIONS: 'public_figures=warn',
    });
    photo = dataUrl(await photoOfPerson(), 'image/jpeg');
    cartoon = dataUrl(await sharp(cartoonFaceSvg(7)).png().toBuffer());
  });
  afterAll(async () => {
    await gw?.close();
    await fake?.close();
  });

  const post = (body: unknown) =>
    fetch(`${gw.baseUrl}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${TEST_API_KEY}` },
      body: JSON.stringify(body),
    });
  const withImage = (text: string, url: string) => [
    {
      role: 'user',
      content: [
        { type: 'text', text },
        { type: 'image_url', image_url: { url } },
      ],
    },
  ];

  async function jobRow(id: string): Promise<JobRecord> {
    const database = await openDatabase({
      url: gw.env.DATABASE_URL,
      dataDir: gw.dataDir,
      schema: gw.env.DATABASE_SCHEMA,
    });
    try {
      const job = await new SqlJobStore(database.db).get(id);
      if (!job) throw new Error(`no job ${id}`);
      return job;
    } finally {
      await database.close();
    }
  }

  /** Every content delta and the finish reason of a stream read with the official client. */
  async function streamed(model: string, messages: unknown) {
    const stream = await gw.client.chat.completions.create({ model, stream: true, messages: messages as never });
    const contents: string[] = [];
    let finish: string | null = null;
    // A block ends with the error the request would get unstreamed, which the client raises.
    const error = await (async () => {
      for await (const chunk of stream) {
        const choice = chunk.choices[0];
        if (choice?.delta?.content) contents.push(choice.delta.content);
        if (choice?.finish_reason) finish = choice.finish_reason;
      }
    })().catch((e) => e);
    if (finish === 'content_filter') expect(error?.code).toBe('content_policy_violation');
    return { contents, finish };
  }

  const COPYRIGHT =
    'Prompt review (category: copyright): the prompt names a copyrighted character or brand; describe an original design instead.';
  const REAL_PERSON = (model: string) =>
    `Reference image review (category: real_person): image 1 shows a realistic person, and ${model} does not accept references of real people. Use a drawing, a cartoon or an image without people.`;

  it('stage 2, non-streaming: 400 content_policy_violation with param "prompt", and the job row records the block', async () => {
    const res = await post({
      model: 'gpt-image-1',
      messages: [{ role: 'user', content: 'Pikachu dancing in the rain' }],
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({
      error: { message: COPYRIGHT, type: 'invalid_request_error', param: 'prompt', code: 'content_policy_violation' },
    });
    const job = await jobRow(res.headers.get('x-mediagate-job-id')!);
    expect(job.status).toBe('failed');
    expect(job.error).toEqual({
      code: 'content_policy_violation',
      message: COPYRIGHT,
      stage: 'prompt',
      category: 'copyright',
      scores: { copyright: 1 },
    });
    expect(job.submittedAt).toBeNull();
  });

  it('stage 2, streaming: the last delta says why and finish_reason is content_filter (Chinese prompt, Chinese text)', async () => {
    const { contents, finish } = await streamed('gpt-image-1', [{ role: 'user', content: '皮卡丘在森林里' }]);
    expect(finish).toBe('content_filter');
    expect(contents[contents.length - 1]).toBe(
      '🚫 未通过内容审核：提示词审核未通过（类别：copyright）：提示词包含受版权保护的角色或品牌；请改为描述原创形象。',
    );
  });

  it('stage 2 sees through obfuscation: full-width letters and dots between letters', async () => {
    const res = await post({
      model: 'gpt-image-1',
      messages: [{ role: 'user', content: 'ｋ.ｉ.ｌ.ｌ ｈｉｍ with a hammer' }],
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({
      error: {
        message: 'Prompt review (category: violence): the prompt asks for graphic violence or gore.',
        type: 'invalid_request_error',
        param: 'prompt',
        code: 'content_policy_violation',
      },
    });
  });

  it('harmless look-alikes pass and produce an image ("kill the lights", "shoot a photo", "a knife on a cutting board")', async () => {
    const completion = await gw.client.chat.completions.create({
      model: 'gpt-image-1',
      messages: [{ role: 'user', content: 'kill the lights and shoot a photo of a knife on a cutting board, 1:1' }],
    });
    expect(completion.choices[0].finish_reason).toBe('stop');
    const png = await sharp(await download(firstLink(completion.choices[0].message.content!))).metadata();
    expect(png.format).toBe('png');
    expect(png.width).toBe(png.height);
  });

  it('a category set to "warn" is logged and let through', async () => {
    const completion = await gw.client.chat.completions.create({
      model: 'gpt-image-1',
      messages: [{ role: 'user', content: 'Taylor Swift on stage' }],
    });
    expect(completion.choices[0].message.content).toMatch(/^!\[image\]\(http/);
  });

  it('the remote /v1/moderations service is consulted when local terms pass; its flag blocks with its scores', async () => {
    const before = fake.calls.length;
    const res = await post({
      model: 'gpt-image-1',
      messages: [{ role: 'user', content: 'a poster saying you are worthless' }],
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({
      error: {
        message: 'Prompt review (category: harassment): the prompt contains harassment.',
        type: 'invalid_request_error',
        param: 'prompt',
        code: 'content_policy_violation',
      },
    });
    expect(fake.calls.slice(before)).toEqual([
      {
        authorization: 'Bearer sk-moderation-test-key',
        body: { model: 'omni-moderation-latest', input: 'a poster saying you are worthless' },
      },
    ]);
    const job = await jobRow(res.headers.get('x-mediagate-job-id')!);
    expect(job.error).toMatchObject({
      stage: 'prompt',
      category: 'harassment',
      scores: { harassment: 0.973, 'harassment/threatening': 0 },
    });
  });

  it('a prompt the local terms refuse never reaches the remote service; an outage fails open', async () => {
    const before = fake.calls.length;
    expect(
      (await post({ model: 'gpt-image-1', messages: [{ role: 'user', content: 'Darth Vader in a coffee shop' }] }))
        .status,
    ).toBe(400);
    expect(fake.calls.length).toBe(before);
    const completion = await gw.client.chat.completions.create({
      model: 'gpt-image-1',
      messages: [{ role: 'user', content: 'a lighthouse remote-outage' }],
    });
    expect(completion.choices[0].finish_reason).toBe('stop');
    expect(fake.calls.length).toBe(before + 1);
  });

  it('stage 1, non-streaming: a photo of a person as a video reference is refused with param "input_image"', async () => {
    const res = await post({ model: 'sora-2', messages: withImage('make him wave, 3 seconds', photo) });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({
      error: {
        message: REAL_PERSON('sora-2'),
        type: 'invalid_request_error',
        param: 'input_image',
        code: 'content_policy_violation',
      },
    });
    const job = await jobRow(res.headers.get('x-mediagate-job-id')!);
    expect(job.error).toMatchObject({
      code: 'content_policy_violation',
      stage: 'input_image',
      category: 'real_person',
      scores: { faces: 1, image: 1 },
    });
    expect(job.error!.scores!.face).toBeGreaterThanOrEqual(0.5);
    expect(job.error!.scores!.flatness).toBeLessThanOrEqual(0.55);
  });

  it('stage 1, streaming: the same reference ends the stream with content_filter', async () => {
    const { contents, finish } = await streamed('sora-2', withImage('make him wave, 3 seconds', photo));
    expect(finish).toBe('content_filter');
    expect(contents[contents.length - 1]).toBe(`🚫 Blocked by content review: ${REAL_PERSON('sora-2')}`);
  });

  it('stage 1 default policy: image models accept the same photo as a reference', async () => {
    const completion = await gw.client.chat.completions.create({
      model: 'gpt-image-1',
      messages: withImage('put a hat on him, 1:1', photo) as never,
    });
    expect(completion.choices[0].finish_reason).toBe('stop');
    const png = await sharp(await download(firstLink(completion.choices[0].message.content!))).metadata();
    expect(png.width).toBe(png.height);
  });

  it('stage 1 per-model policy: a model configured to block refuses it although it makes images', async () => {
    const res = await post({ model: 'nano-banana', messages: withImage('put a hat on him', photo) });
    expect(res.status).toBe(400);
    expect((await res.json()).error).toEqual({
      message: REAL_PERSON('nano-banana'),
      type: 'invalid_request_error',
      param: 'input_image',
      code: 'content_policy_violation',
    });
  });

  it('stage 1 lets a flat-colour cartoon face through to a video model', async () => {
    const completion = await gw.client.chat.completions.create({
      model: 'sora-2',
      messages: withImage('the character waves, 2 seconds', cartoon) as never,
    });
    expect(completion.choices[0].finish_reason).toBe('stop');
    expect(completion.choices[0].message.content).toMatch(/^✅ Video generated successfully, \[click here\]\(http/);
  });
});
