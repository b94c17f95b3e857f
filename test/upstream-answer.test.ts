import { describe, expect, it } from 'vitest';
import { seedanceCreatedSchema, seedanceTaskSchema } from '../src/providers/ark/seedance-task.js';
import { statusAnswer, submissionAnswer } from '../src/providers/upstream-answer.js';

describe('upstream answers', () => {
  it('treats a submission answer it cannot read as ambiguous, so the work is never submitted again', () => {
    expect(submissionAnswer(seedanceCreatedSchema, { id: 'cgt-1', extra: 1 }, 'no id')).toEqual({ id: 'cgt-1' });
    for (const body of [{}, { id: '' }, { id: 7 }, null, 'ok']) {
      expect(() => submissionAnswer(seedanceCreatedSchema, body, 'Ark returned no task id.')).toThrow(
        expect.objectContaining({
          failure: 'ambiguous',
          normalised: { code: 'upstream_bad_response', message: 'Ark returned no task id.' },
        }),
      );
    }
  });

  it('treats a status answer that is not a task as a transient error, and reads odd fields of a real one leniently', () => {
    for (const body of ['upstream busy', null, [1]]) {
      expect(() => statusAnswer(seedanceTaskSchema, body, 'Volcengine Ark')).toThrow(
        expect.objectContaining({
          failure: 'not_accepted',
          normalised: {
            code: 'upstream_bad_response',
            message: 'Volcengine Ark answered a status check with something that is not a task.',
          },
        }),
      );
    }
    expect(
      statusAnswer(
        seedanceTaskSchema,
        { status: 'succeeded', duration: 'five', content: { video_url: 'https://x/v.mp4' } },
        'Ark',
      ),
    ).toEqual({
      status: 'succeeded',
      content: { video_url: 'https://x/v.mp4' },
    });
    // Any error at all still marks the task as failed when its status word is unknown.
    expect(statusAnswer(seedanceTaskSchema, { status: 'weird', error: 'boom' }, 'Ark').error).toEqual({});
  });
});

describe('Veo answers', () => {
  it('needs an operation name from a create, an object from a poll, and keeps any error as a failure', async () => {
    const { veoCreatedSchema, veoPollSchema } = await import('../src/providers/gemini/veo-operation.js');
    expect(() => submissionAnswer(veoCreatedSchema, { done: false }, 'no name')).toThrow(
      expect.objectContaining({ failure: 'ambiguous' }),
    );
    expect(() => statusAnswer(veoPollSchema, '<html>', 'Google Veo')).toThrow(
      expect.objectContaining({ failure: 'not_accepted' }),
    );
    expect(statusAnswer(veoPollSchema, { done: true, error: 'quota' }, 'Google Veo')).toMatchObject({
      done: true,
      error: {},
    });
    expect(statusAnswer(veoPollSchema, { done: 'yes', response: [] }, 'Google Veo')).toEqual({});
  });
});

describe('BFL answers', () => {
  it('needs a task id from a submission (ambiguous without one) and an object from a poll (transient otherwise)', async () => {
    const { bflResultSchema, readSubmitAnswer } = await import('../src/providers/bfl/response.js');
    expect(readSubmitAnswer({ id: ' t-1 ', polling_url: 'https://api.eu.bfl.ai/v1/get_result?id=t-1' })).toEqual({
      id: 't-1',
      pollingUrl: 'https://api.eu.bfl.ai/v1/get_result?id=t-1',
    });
    expect(readSubmitAnswer({ id: 't-2', polling_url: 5 })).toEqual({ id: 't-2', pollingUrl: '' });
    for (const body of [{ id: '  ' }, null, 'queued']) {
      expect(() => readSubmitAnswer(body)).toThrow(
        expect.objectContaining({
          failure: 'ambiguous',
          normalised: {
            code: 'upstream_bad_response',
            message: 'Black Forest Labs accepted the request but returned no task id.',
          },
        }),
      );
    }
    expect(() => statusAnswer(bflResultSchema, null, 'Black Forest Labs')).toThrow(
      expect.objectContaining({ failure: 'not_accepted' }),
    );
    expect(statusAnswer(bflResultSchema, { status: 'Pending', progress: '40%' }, 'Black Forest Labs')).toEqual({
      status: 'Pending',
    });
  });
});

describe('Kling answers', () => {
  it('reads the envelope leniently, and needs an object from a create (ambiguous) and a poll (transient)', async () => {
    const { klingEnvelopeSchema, readCreateAnswer } = await import('../src/providers/kling/response.js');
    expect(readCreateAnswer(submissionAnswer(klingEnvelopeSchema, { code: 0, data: { task_id: 42 } }, 'no id'))).toBe(
      '42',
    );
    expect(() =>
      submissionAnswer(klingEnvelopeSchema, '<html>', 'Kling accepted the request but returned no task id.'),
    ).toThrow(expect.objectContaining({ failure: 'ambiguous' }));
    expect(() => statusAnswer(klingEnvelopeSchema, null, 'Kling')).toThrow(
      expect.objectContaining({ failure: 'not_accepted' }),
    );
    const odd = statusAnswer(
      klingEnvelopeSchema,
      {
        code: 0,
        data: { task_status: 'succeed', task_result: { videos: [7, { url: 'https://x/v.mp4', duration: '5' }] } },
      },
      'Kling',
    );
    expect(odd.data?.task_result?.videos?.map((v) => v.url)).toEqual([undefined, 'https://x/v.mp4']);
  });
});

describe('synchronous image answers', () => {
  const ambiguous = (message: string) =>
    expect.objectContaining({ failure: 'ambiguous', normalised: { code: 'upstream_bad_response', message } });

  it('OpenAI Images: a 200 that is not an object is ambiguous (the work may be done and billed); odd entries are skipped', async () => {
    const { readImagesAnswer } = await import('../src/providers/openai-images/response.js');
    for (const body of [null, 'ok', [{ url: 'https://x/a.png' }], 7]) {
      expect(() => readImagesAnswer(body)).toThrow(ambiguous('OpenAI returned no image.'));
    }
    expect(
      readImagesAnswer({
        data: [null, 'x', { url: 5, b64_json: 'QUJD' }, { url: 'https://x/a.png' }],
        output_format: 9,
      }),
    ).toEqual({ data: [{}, {}, { b64_json: 'QUJD' }, { url: 'https://x/a.png' }] });
    expect(readImagesAnswer({ data: 'none', usage: { input_tokens: 1 } })).toEqual({ usage: { input_tokens: 1 } });
  });

  it('Recraft: a 200 that is not an object is ambiguous; entries that are not objects hold no image', async () => {
    const { readRecraftAnswer } = await import('../src/providers/recraft/response.js');
    for (const body of [null, '<html>', []]) {
      expect(() => readRecraftAnswer(body)).toThrow(ambiguous('Recraft returned no image.'));
    }
    expect(readRecraftAnswer({ created: 1, data: [null, { image_id: 'i', url: 'https://x/a.webp' }] })).toEqual({
      data: [{}, { url: 'https://x/a.webp' }],
    });
  });
});

describe('Gemini image answers', () => {
  it('treats a 200 that is not an object as ambiguous, and reads an odd candidate leniently', async () => {
    const { pickImage, readGenerateContent } = await import('../src/providers/gemini/image-response.js');
    for (const body of [null, 'done', [{ candidates: [] }]]) {
      expect(() => readGenerateContent(body)).toThrow(
        expect.objectContaining({
          failure: 'ambiguous',
          normalised: {
            code: 'upstream_bad_response',
            message: 'Google Gemini answered with something that is not a generateContent response.',
          },
        }),
      );
    }
    const answer = readGenerateContent({
      promptFeedback: { blockReason: 7 },
      candidates: [
        {
          finishReason: ['STOP'],
          content: {
            parts: [null, { text: 3 }, { inlineData: 'x' }, { inlineData: { mimeType: 'image/png', data: 'iVBO' } }],
          },
        },
      ],
      usageMetadata: 'lots',
    });
    expect(pickImage(answer)).toEqual({ data: Buffer.from('iVBO', 'base64'), contentType: 'image/png' });
    expect(answer.usageMetadata).toBeUndefined();
  });
});

describe('DashScope task answers', () => {
  it('needs an output object from a status check and reads its fields leniently', async () => {
    const { taskReplySchema } = await import('../src/providers/dashscope/task.js');
    for (const body of [null, 'busy', { request_id: 'r' }, { output: 'x' }]) {
      expect(taskReplySchema.safeParse(body).success).toBe(false);
    }
    expect(
      taskReplySchema.parse({
        output: { task_status: 'SUCCEEDED', results: [null, { url: 'https://x/a.png', code: 5 }], video_url: 7 },
        usage: { video_duration: '5' },
      }),
    ).toEqual({ output: { task_status: 'SUCCEEDED', results: [{}, { url: 'https://x/a.png' }] }, usage: {} });
  });
});

describe('Veo results', () => {
  it('reads the result of a finished operation leniently: odd samples and fields are skipped, not fatal', async () => {
    const { veoPollSchema } = await import('../src/providers/gemini/veo-operation.js');
    expect(
      statusAnswer(
        veoPollSchema,
        {
          done: true,
          response: {
            generateVideoResponse: {
              generatedSamples: [null, { video: 'x' }, { video: { uri: 'files/v1', mimeType: 4 } }],
              raiMediaFilteredCount: 'none',
            },
            generatedVideos: 'n/a',
          },
        },
        'Google Veo',
      ),
    ).toEqual({
      done: true,
      response: { generateVideoResponse: { generatedSamples: [{}, {}, { video: { uri: 'files/v1' } }] } },
    });
  });
});

describe('openai-videos create answers', () => {
  it('needs a task id, at the top or in a reseller wrapper; without one the submission is ambiguous', async () => {
    const { videoCreatedSchema } = await import('../src/providers/openai-videos/response.js');
    expect(submissionAnswer(videoCreatedSchema, { id: 'video_1', status: 'queued' }, 'no id')).toMatchObject({
      id: 'video_1',
      status: 'queued',
    });
    expect(submissionAnswer(videoCreatedSchema, { code: 0, data: { task_id: 42 } }, 'no id').id).toBe('42');
    for (const body of [{ status: 'queued' }, { id: ' ' }, null, 'ok', ['video_1']]) {
      expect(() =>
        submissionAnswer(videoCreatedSchema, body, 'Sora accepted the video request but returned no task id.'),
      ).toThrow(
        expect.objectContaining({
          failure: 'ambiguous',
          normalised: {
            code: 'upstream_bad_response',
            message: 'Sora accepted the video request but returned no task id.',
          },
        }),
      );
    }
  });
});

describe('chat relay answers', () => {
  it('reads a chunk leniently: odd fields are skipped, an error is kept, and a payload that is not an object says nothing', async () => {
    const { relayPayloadSchema } = await import('../src/providers/chat-relay/stream.js');
    expect(
      relayPayloadSchema.parse({
        choices: [{ delta: { content: 5, reasoning_content: '40%' }, message: 'x', finish_reason: null }],
        error: { message: 'busy', code: 429 },
      }),
    ).toEqual({
      choices: [{ delta: { reasoning_content: '40%' }, finish_reason: null }],
      error: { message: 'busy', code: 429 },
    });
    expect(relayPayloadSchema.parse({ choices: [null, 'x'] })).toEqual({
      choices: [{}, {}],
    });
    for (const payload of [5, 'text', null, [{ choices: [] }]]) {
      expect(relayPayloadSchema.safeParse(payload).success).toBe(false);
    }
  });
});

describe('Ark image answers', () => {
  it('treats a 200 that is not an object as ambiguous and keeps any per-image error as a failure', async () => {
    const { readArkImagesAnswer } = await import('../src/providers/ark/images-response.js');
    for (const body of [null, 'ok', []]) {
      expect(() => readArkImagesAnswer(body)).toThrow(
        expect.objectContaining({
          failure: 'ambiguous',
          normalised: { code: 'upstream_bad_response', message: 'Volcengine Ark returned no image.' },
        }),
      );
    }
    expect(
      readArkImagesAnswer({
        data: [null, { error: 'boom' }, { error: { code: 'OutputImageSensitiveContentDetected', message: 7 } }],
        error: null,
      }),
    ).toEqual({ data: [{}, { error: {} }, { error: { code: 'OutputImageSensitiveContentDetected' } }] });
  });
});
