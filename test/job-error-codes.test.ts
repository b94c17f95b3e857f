import { describe, expect, it } from 'vitest';
import { jobErrorToApiError } from '../src/http/job-errors.js';
import { JOB_ERROR_CODES, isJobErrorCode } from '../src/providers/error-codes.js';

describe('job error codes', () => {
  it('gives every code the status and envelope clients have always seen', () => {
    const statuses = Object.fromEntries(
      JOB_ERROR_CODES.map((code) => [code, jobErrorToApiError({ code, message: 'm' }).status]),
    );
    expect(statuses).toMatchObject({
      content_policy_violation: 400,
      cancelled: 409,
      job_timeout: 504,
      upstream_timeout: 504,
      internal_error: 500,
      interrupted_submission: 500,
    });
    const others = JOB_ERROR_CODES.filter(
      (c) =>
        ![
          'content_policy_violation',
          'cancelled',
          'job_timeout',
          'upstream_timeout',
          'internal_error',
          'interrupted_submission',
        ].includes(c),
    );
    expect(others.length).toBeGreaterThan(20);
    for (const code of others) expect(statuses[code]).toBe(502);
  });

  it('names the stage of a policy block as the param, and nothing else', () => {
    const blocked = jobErrorToApiError({
      code: 'content_policy_violation',
      message: 'no',
      stage: 'input_image',
      category: 'x',
    });
    expect(blocked.toBody()).toEqual({
      error: { message: 'no', type: 'invalid_request_error', param: 'input_image', code: 'content_policy_violation' },
    });
    expect(jobErrorToApiError({ code: 'upstream_error', message: 'down' }).toBody()).toEqual({
      error: { message: 'down', type: 'upstream_error', param: null, code: 'upstream_error' },
    });
  });

  it('answers a code an older version stored and no longer lists as an upstream failure', () => {
    const old = { code: 'retired_code', message: 'gone' } as never;
    expect(isJobErrorCode('retired_code')).toBe(false);
    expect(jobErrorToApiError(old).status).toBe(502);
  });
});
