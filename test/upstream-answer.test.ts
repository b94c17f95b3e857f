import { describe, expect, it } from 'vitest';
import { seedanceCreatedSchema, seedanceTaskSchema } from '../src/providers/ark/seedance-task.js';
import { statusAnswer, submissionAnswer } from '../src/providers/upstream-answer.js';

describe('upstream answers', () => {
  it('treats a submission answer it cannot read as ambiguous, so the work is never submitted again', () => {
    expect(submissionAnswer(seedanceCreatedSchema, { id: 'cgt-1', extra: 1 }, 'no id')).toEqual({ id: 'cgt-1' });
    for (const body of [{}, { id: '' }, { id: 7 }, null, 'ok']) {
      expect(() => submissionAnswer(seedanceCreatedSchema, body, 'Ark returned no task id.')).toThrow(
        expect.objectContaining({ failure: 'ambiguous', normalised: { code: 'upstream_bad_response', message: 'Ark returned no task id.' } }),
      );
    }
  });

  it('treats a status answer that is not a task as a transient error, and reads odd fields of a real one leniently', () => {
    for (const body of ['upstream busy', null, [1]]) {
      expect(() => statusAnswer(seedanceTaskSchema, body, 'Volcengine Ark')).toThrow(
        expect.objectContaining({
          failure: 'not_accepted',
          normalised: { code: 'upstream_bad_response', message: 'Volcengine Ark answered a status check with something that is not a task.' },
        }),
      );
    }
    expect(statusAnswer(seedanceTaskSchema, { status: 'succeeded', duration: 'five', content: { video_url: 'https://x/v.mp4' } }, 'Ark')).toEqual({
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
    expect(() => submissionAnswer(veoCreatedSchema, { done: false }, 'no name')).toThrow(expect.objectContaining({ failure: 'ambiguous' }));
    expect(() => statusAnswer(veoPollSchema, '<html>', 'Google Veo')).toThrow(expect.objectContaining({ failure: 'not_accepted' }));
    expect(statusAnswer(veoPollSchema, { done: true, error: 'quota' }, 'Google Veo')).toMatchObject({ done: true, error: {} });
    expect(statusAnswer(veoPollSchema, { done: 'yes', response: [] }, 'Google Veo')).toEqual({});
  });
});
