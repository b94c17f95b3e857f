import { describe, expect, it } from 'vitest';
import { csvField, usageCsv } from '../src/billing/usage.js';

describe('usage CSV (RFC 4180)', () => {
  it('quotes fields that hold a comma, a quote or a line break, and doubles quotes', () => {
    expect(csvField('gpt-image-1')).toBe('gpt-image-1');
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField('two\nlines')).toBe('"two\nlines"');
    expect(csvField(null)).toBe('');
    expect(csvField(0)).toBe('0');
  });

  it('writes a header, the rows in report order and a total row, with CRLF line ends', () => {
    const csv = usageCsv({
      since: 0,
      group_by: ['day', 'key'],
      rows: [
        { day: '2026-12-01', api_key_id: 'key_a', jobs: 2, succeeded: 1, units: 2, cost: 84_000 },
        { day: '2026-12-02', api_key_id: null, jobs: 1, succeeded: 0, units: 0, cost: 0 },
      ],
      totals: { jobs: 3, succeeded: 1, units: 2, cost: 84_000 },
    });
    expect(csv).toBe(
      'day,api_key_id,jobs,succeeded,units,cost\r\n' +
        '2026-12-01,key_a,2,1,2,84000\r\n' +
        '2026-12-02,,1,0,0,0\r\n' +
        'total,,3,1,2,84000\r\n',
    );
  });

  it('without a breakdown it is the header and the totals', () => {
    const csv = usageCsv({ since: 0, group_by: [], rows: [], totals: { jobs: 1, succeeded: 1, units: 1, cost: 5 } });
    expect(csv).toBe('jobs,succeeded,units,cost\r\n1,1,1,5\r\n');
  });
});
