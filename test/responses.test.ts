import OpenAI from 'openai';
import type { ResponseStreamEvent } from 'openai/resources/responses/responses';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseLabel } from './helpers/database.js';
import { download, firstLink, startGateway, TEST_API_KEY, type RunningGateway, postJson } from './helpers/gateway.js';
import { imageInfo, mp4Info } from './helpers/media.js';

const OTHER_KEY = 'sk-test-other-0123456789abcdef';
const IMAGE_LINK = /^!\[image\]\(http:\/\/127\.0\.0\.1:\d+\/media\/[0-9a-f]{2}\/[0-9a-f]{64}\.png\)$/;
const VIDEO_LINE =
  /^✅ Video generated successfully, \[click here\]\(http:\/\/127\.0\.0\.1:\d+\/media\/[^)]+\.mp4\) to view video$/;
const SANDBOX_FAILURE = 'The sandbox failed this job on request (#sandbox-fail in the prompt).';

/** Every event of a streamed response, in order. */
async function eventsOf(stream: AsyncIterable<ResponseStreamEvent>): Promise<ResponseStreamEvent[]> {
  const events: ResponseStreamEvent[] = [];
  for await (const event of stream) events.push(event);
  return events;
}

const deltasOf = (events: ResponseStreamEvent[]) =>
  events.flatMap((e) => (e.type === 'response.output_text.delta' ? [e.delta] : []));

/** The event types with the run of text deltas collapsed to one entry. */
const shapeOf = (events: ResponseStreamEvent[]) =>
  events.map((e) => e.type).filter((type, i, all) => type !== 'response.output_text.delta' || all[i - 1] !== type);

const OPENING = [
  'response.created',
  'response.in_progress',
  'response.output_item.added',
  'response.content_part.added',
  'response.output_text.delta',
  'response.output_text.done',
  'response.content_part.done',
  'response.output_item.done',
];

describe(`the Responses API through the official client (${databaseLabel})`, () => {
  let gw: RunningGateway;
  beforeAll(async () => {
    gw = await startGateway({ MEDIAGATE_API_KEYS: `${TEST_API_KEY},${OTHER_KEY}` });
  });
  afterAll(async () => gw?.close());

  const get = (id: string, key = TEST_API_KEY) =>
    fetch(`${gw.baseUrl}/v1/responses/${id}`, { headers: { authorization: `Bearer ${key}` } });
  const post = (path: string, body: unknown) => postJson(gw, path, body);

  it('an image model: one message whose text is the chat answer, a PNG of the asked ratio; GET returns it', async () => {
    const { data: response, response: http } = await gw.client.responses
      .create({ model: 'gpt-image-1', input: 'A lighthouse on a cliff at dawn --ar 3:2' })
      .withResponse();
    const jobId = http.headers.get('x-mediagate-job-id');
    expect(response).toMatchObject({
      id: `resp_${jobId}`,
      object: 'response',
      status: 'completed',
      model: 'gpt-image-1',
      error: null,
      incomplete_details: null,
    });
    expect(response.completed_at).toBeGreaterThanOrEqual(response.created_at);
    expect(response.output).toHaveLength(1);
    const [message] = response.output;
    expect(message).toMatchObject({ id: `msg_${jobId}`, type: 'message', role: 'assistant', status: 'completed' });
    expect(response.output_text).toMatch(IMAGE_LINK);
    expect(response.usage).toMatchObject({
      input_tokens: expect.any(Number),
      input_tokens_details: { cached_tokens: 0 },
      output_tokens: expect.any(Number),
      output_tokens_details: { reasoning_tokens: 0 },
    });
    expect(response.usage!.total_tokens).toBe(response.usage!.input_tokens + response.usage!.output_tokens);
    const info = await imageInfo(await download(firstLink(response.output_text)));
    expect(info).toEqual({ format: 'png', width: 1536, height: 1024 });

    const again = await get(response.id);
    expect(again.status).toBe(200);
    const fetched = await again.json();
    expect(fetched).toMatchObject({ id: response.id, status: 'completed', model: 'gpt-image-1' });
    expect(fetched.output[0].content[0].text).toBe(response.output_text);
    // By job id too; another key's job is answered like a missing one.
    expect((await (await get(jobId!)).json()).id).toBe(response.id);
    const foreign = await get(response.id, OTHER_KEY);
    expect(foreign.status).toBe(404);
    expect(await foreign.json()).toEqual({
      error: {
        message: `No response with id '${response.id}'.`,
        type: 'invalid_request_error',
        param: 'response_id',
        code: 'response_not_found',
      },
    });
  });

  it('an image model streamed: the typed events in order, progress as text deltas, the final image', async () => {
    const stream = gw.client.responses.stream({
      model: 'gpt-image-1',
      input: [{ role: 'user', content: [{ type: 'input_text', text: 'A red fox in snow --ar 2:3' }] }],
    });
    const events = await eventsOf(stream);
    const final = await stream.finalResponse();
    expect(shapeOf(events)).toEqual([...OPENING, 'response.completed']);
    expect(events.map((e) => e.sequence_number)).toEqual(events.map((_, i) => i));
    const deltas = deltasOf(events);
    expect(deltas[0]).toBe('> 🎨 Generating an image (1024x1536) with gpt-image-1\n\n> ⏳ Queued\n\n');
    expect(deltas.slice(1, -1).every((d) => /^> 🏃 Progress \d+%\n\n$/.test(d))).toBe(true);
    expect(deltas.at(-1)).toMatch(IMAGE_LINK);
    expect(final.status).toBe('completed');
    expect(final.output_text).toBe(deltas.join(''));
    const info = await imageInfo(await download(firstLink(deltas.at(-1)!)));
    expect(info).toEqual({ format: 'png', width: 1024, height: 1536 });
  });

  it('a video model: the same final line as chat, an MP4 of the asked length, streamed and not', async () => {
    const response = await gw.client.responses.create({
      model: 'sora-2',
      input: 'a paper boat on a pond, duration: 4 seconds',
    });
    expect(response.status).toBe('completed');
    expect(response.output_text).toMatch(VIDEO_LINE);
    const video = mp4Info(await download(firstLink(response.output_text)));
    expect(Math.abs(video.durationSeconds - 4)).toBeLessThanOrEqual(0.1);

    // The same prompt, so the sandbox serves its cached render instead of encoding another video.
    const events = await eventsOf(
      await gw.client.responses.create({
        model: 'sora-2',
        input: 'a paper boat on a pond, duration: 4 seconds',
        stream: true,
      }),
    );
    expect(shapeOf(events)).toEqual([...OPENING, 'response.completed']);
    const deltas = deltasOf(events);
    expect(deltas[0]).toMatch(/^> 🎬 Generating a 4 s 16:9 video \(\d+x\d+\) with sora-2\n\n> ⏳ Queued\n\n$/);
    expect(deltas.filter((d) => /Progress \d+%/.test(d)).length).toBeGreaterThan(0);
    expect(deltas.at(-1)).toMatch(VIDEO_LINE);
    expect(mp4Info(await download(firstLink(deltas.at(-1)!))).width).toBe(video.width);
  });

  it('the image_generation tool: the tool model and options apply, the image comes back as base64', async () => {
    const response = await gw.client.responses.create({
      model: 'gpt-4.1',
      input: 'Draw a teapot on a wooden table',
      tools: [{ type: 'image_generation', model: 'gpt-image-1', size: '1024x1536', quality: 'low' }],
    });
    expect(response.model).toBe('gpt-4.1');
    expect(response.output.map((item) => item.type)).toEqual(['message', 'image_generation_call']);
    const call = response.output[1] as OpenAI.Responses.ResponseOutputItem.ImageGenerationCall &
      Record<string, unknown>;
    expect(call).toMatchObject({
      id: expect.stringMatching(/^ig_/),
      status: 'completed',
      revised_prompt: 'Draw a teapot on a wooden table',
      size: '1024x1536',
      quality: 'low',
      output_format: 'png',
    });
    const png = Buffer.from(call.result!, 'base64');
    expect(await imageInfo(png)).toEqual({ format: 'png', width: 1024, height: 1536 });
    // The same picture the message links to.
    expect(png.equals(await download(firstLink(response.output_text)))).toBe(true);

    const events = await eventsOf(
      await gw.client.responses.create({
        model: 'gpt-image-1',
        input: 'a blue square',
        stream: true,
        tools: [{ type: 'image_generation', size: '1024x1024' }],
      }),
    );
    expect(shapeOf(events).slice(-3)).toEqual([
      'response.output_item.added',
      'response.output_item.done',
      'response.completed',
    ]);
    const done = events.at(-2) as OpenAI.Responses.ResponseOutputItemDoneEvent;
    expect(done.output_index).toBe(1);
    const result = (done.item as OpenAI.Responses.ResponseOutputItem.ImageGenerationCall).result!;
    expect(await imageInfo(Buffer.from(result, 'base64'))).toEqual({ format: 'png', width: 1024, height: 1024 });
  });

  it('a failed generation answers the chat envelope and status; streamed it ends with response.failed and error', async () => {
    const asChat = await post('/v1/chat/completions', {
      model: 'gpt-image-1',
      messages: [{ role: 'user', content: 'a cat #sandbox-fail' }],
    });
    const asResponse = await post('/v1/responses', { model: 'gpt-image-1', input: 'a cat #sandbox-fail' });
    expect(asResponse.status).toBe(asChat.status);
    expect(asResponse.status).toBe(502);
    const envelope = {
      error: { message: SANDBOX_FAILURE, type: 'upstream_error', param: null, code: 'upstream_error' },
    };
    expect(await asChat.json()).toEqual(envelope);
    expect(await asResponse.json()).toEqual(envelope);
    const thrown = await gw.client.responses
      .create({ model: 'gpt-image-1', input: 'a dog #sandbox-fail' })
      .catch((e) => e);
    expect(thrown).toBeInstanceOf(OpenAI.APIError);
    expect(thrown.code).toBe('upstream_error');

    const events = await eventsOf(
      await gw.client.responses.create({ model: 'gpt-image-1', input: 'a bird #sandbox-fail', stream: true }),
    );
    expect(shapeOf(events)).toEqual([...OPENING, 'response.failed', 'error']);
    expect(deltasOf(events).at(-1)).toBe(`❌ Generation failed: ${SANDBOX_FAILURE}`);
    const failed = events.at(-2) as OpenAI.Responses.ResponseFailedEvent;
    expect(failed.response.status).toBe('failed');
    expect(failed.response.error).toEqual({ code: 'upstream_error', message: SANDBOX_FAILURE });
    expect(events.at(-1)).toEqual({
      type: 'error',
      sequence_number: events.length - 1,
      code: 'upstream_error',
      message: SANDBOX_FAILURE,
      param: null,
    });
    const fetched = await (await get(failed.response.id)).json();
    expect(fetched).toMatchObject({ status: 'failed', error: { code: 'upstream_error', message: SANDBOX_FAILURE } });
  });

  it('background: answers at once, in progress; GET follows it to completed', async () => {
    const queued = await gw.client.responses.create({ model: 'gpt-image-1', input: 'a lemon', background: true });
    expect(queued.background).toBe(true);
    expect(['queued', 'in_progress']).toContain(queued.status);
    expect(queued.output).toEqual([]);
    let fetched = await (await get(queued.id)).json();
    while (fetched.status === 'queued' || fetched.status === 'in_progress') {
      await new Promise((resolve) => setTimeout(resolve, 100));
      fetched = await (await get(queued.id)).json();
    }
    expect(fetched.status).toBe('completed');
    expect(fetched.output[0].content[0].text).toMatch(IMAGE_LINK);
  });

  it('a conversation as input items: the last user message is the prompt; system and assistant turns are read as chat', async () => {
    const { data: response, response: http } = await gw.client.responses
      .create({
        model: 'gpt-image-1',
        instructions: 'You are a helpful artist.',
        input: [
          { role: 'system', content: 'Answer briefly.' },
          { role: 'user', content: [{ type: 'input_text', text: 'Draw a cat' }] },
          {
            type: 'message',
            id: 'msg_earlier',
            role: 'assistant',
            status: 'completed',
            content: [{ type: 'output_text', text: 'Here is a cat.', annotations: [] }],
          },
          { role: 'user', content: [{ type: 'input_text', text: 'now a dog --ar 1:1' }] },
        ],
      })
      .withResponse();
    expect(response.status).toBe('completed');
    expect(response.instructions).toBe('You are a helpful artist.');
    const job = await (
      await fetch(`${gw.baseUrl}/v1/jobs/${http.headers.get('x-mediagate-job-id')}`, {
        headers: { authorization: `Bearer ${TEST_API_KEY}` },
      })
    ).json();
    expect(job.prompt).toBe('now a dog');
  });

  it('previous_response_id: that image is the reference of a model that needs one; a foreign id is a 404', async () => {
    const first = await gw.client.responses.create({ model: 'gpt-image-1', input: 'a cat on a sofa --ar 2:3' });
    const edited = await gw.client.responses.create({
      model: 'flux-kontext-dev',
      input: 'now make it night',
      previous_response_id: first.id,
    });
    expect(edited.status).toBe('completed');
    expect(edited.previous_response_id).toBe(first.id);
    // The edit keeps the reference's portrait shape.
    const info = await imageInfo(await download(firstLink(edited.output_text)));
    expect(info.height).toBeGreaterThan(info.width);

    // It is editing in conversation: the answer says so, the job names the source, and it can be turned off.
    expect(edited.output_text).toContain('Editing the image from earlier in the conversation');
    const editedJob = await (
      await fetch(`${gw.baseUrl}/v1/jobs/${edited.id.replace(/^resp_/, '')}`, {
        headers: { authorization: `Bearer ${TEST_API_KEY}` },
      })
    ).json();
    expect(editedJob.references).toEqual([expect.objectContaining({ source: 'history' })]);
    const off = await post('/v1/responses', {
      model: 'flux-kontext-dev',
      input: 'now make it night',
      previous_response_id: first.id,
      use_history_image: false,
    });
    expect((await off.json()).error.code).toBe('reference_image_required');
    const without = await post('/v1/responses', { model: 'flux-kontext-dev', input: 'now make it night' });
    expect(without.status).toBe(400);
    expect((await without.json()).error.code).toBe('reference_image_required');
    const foreign = await fetch(`${gw.baseUrl}/v1/responses`, {
      method: 'POST',
      headers: { authorization: `Bearer ${OTHER_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'flux-kontext-dev', input: 'now make it night', previous_response_id: first.id }),
    });
    expect(foreign.status).toBe(404);
    expect(await foreign.json()).toEqual({
      error: {
        message: `No response with id '${first.id}'.`,
        type: 'invalid_request_error',
        param: 'previous_response_id',
        code: 'response_not_found',
      },
    });
  });

  it('input errors name the input path: a file_id image, an empty prompt, an unknown item', async () => {
    const fileId = await post('/v1/responses', {
      model: 'gpt-image-1',
      input: [
        {
          role: 'user',
          content: [
            { type: 'input_text', text: 'make it blue' },
            { type: 'input_image', file_id: 'file-abc' },
          ],
        },
      ],
    });
    expect(fileId.status).toBe(400);
    expect(await fileId.json()).toEqual({
      error: {
        message:
          'input[0].content[1].file_id is not supported: mediagate has no Files API. Send the image as image_url (an http(s) or data: URL).',
        type: 'invalid_request_error',
        param: 'input[0].content[1].file_id',
        code: 'unsupported_content_type',
      },
    });
    const empty = await post('/v1/responses', { model: 'gpt-image-1', input: '  ' });
    expect(empty.status).toBe(400);
    expect((await empty.json()).error).toMatchObject({ param: 'input', code: 'missing_prompt' });
    const call = await post('/v1/responses', {
      model: 'gpt-image-1',
      input: [
        { role: 'user', content: 'a cat' },
        { type: 'function_call_output', call_id: 'c', output: 'x' },
      ],
    });
    expect(call.status).toBe(400);
    expect((await call.json()).error).toMatchObject({ param: 'input[1].type', code: 'unsupported_content_type' });
    const image = await post('/v1/responses', {
      model: 'gpt-image-1',
      input: [
        {
          role: 'user',
          content: [
            { type: 'input_text', text: 'x' },
            { type: 'input_image', image_url: 'ftp://a/b.png' },
          ],
        },
      ],
    });
    expect(image.status).toBe(400);
    expect((await image.json()).error).toMatchObject({
      param: 'input[0].content[1].image_url',
      code: 'invalid_image_url',
    });
  });
});
