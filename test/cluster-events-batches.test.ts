import { describe, expect, it } from 'vitest';
import { batches } from '../src/jobs/cluster-events.js';

/** PostgreSQL refuses a NOTIFY payload of 8000 bytes or more. */
const PG_PAYLOAD_LIMIT = 8_000;

describe('the NOTIFY payloads of one tick of job events', () => {
  it('carries 10,000 jobs’ progress and 500 ends in payloads under the limit, each job once, ends first', () => {
    const at = 1_796_000_000_000;
    const progress = new Map<string, [number, number]>();
    for (let i = 0; i < 10_000; i++) progress.set(`job_${String(i).padStart(26, '0')}`, [i % 100, at + i]);
    const finished = new Set(Array.from({ length: 500 }, (_, i) => `job_f${String(i).padStart(25, '0')}`));
    const payloads = batches('vm-1234-abcdef', progress, finished);
    for (const payload of payloads) expect(Buffer.byteLength(payload)).toBeLessThan(PG_PAYLOAD_LIMIT);
    const parsed = payloads.map((p) => JSON.parse(p) as { i: string; p?: [string, number, number][]; f?: string[] });
    expect(new Set(parsed.map((b) => b.i))).toEqual(new Set(['vm-1234-abcdef']));
    const ends = parsed.flatMap((b) => b.f ?? []);
    expect(ends).toEqual([...finished]);
    const entries = parsed.flatMap((b) => b.p ?? []);
    expect(entries).toHaveLength(10_000);
    expect(entries[1234]).toEqual([`job_${String(1234).padStart(26, '0')}`, 34, at + 1234]);
    // About 7.5 KB each (~52 bytes a job): the whole tick in some 70 notifications rather than 10,500.
    expect(payloads.length).toBeLessThanOrEqual(75);
    // Every payload but the last is nearly full.
    for (const payload of payloads.slice(0, -1)) expect(Buffer.byteLength(payload)).toBeGreaterThan(7_000);
  });

  it('sends nothing for a quiet tick', () => {
    expect(batches('vm-1', new Map(), new Set())).toEqual([]);
  });
});
