import { batchEvents, importSummary, parseNdjson } from './eventlog.js';
import { UsageError } from './errors.js';

describe('parseNdjson', () => {
  it('reads one JSON value per line and skips blank lines', () => {
    expect(parseNdjson('{"a":1}\n\n{"a":2}\r\n')).toEqual([{ a: 1 }, { a: 2 }]);
  });
  it('names the bad line', () => {
    expect(() => parseNdjson('{"a":1}\n{oops\n', 'log.ndjson')).toThrow(/log.ndjson:2: not a JSON line/);
  });
});

describe('batchEvents', () => {
  const ev = (n: number, size: number) => ({ position: n, data: 'x'.repeat(size) });
  it('keeps every request body within the limit and the order intact', () => {
    const events = Array.from({ length: 50 }, (_, i) => ev(i, 100));
    const batches = batchEvents(events, 1000);
    expect(batches.flat()).toEqual(events);
    for (const b of batches) expect(Buffer.byteLength(JSON.stringify({ events: b }))).toBeLessThanOrEqual(1000);
    expect(batches.length).toBeGreaterThan(1);
    // each batch is full: adding the next event would overflow
    for (let i = 0; i < batches.length - 1; i++) {
      expect(Buffer.byteLength(JSON.stringify({ events: [...batches[i]!, batches[i + 1]![0]] }))).toBeGreaterThan(1000);
    }
  });
  it('puts a small log in one batch and refuses a single oversized event', () => {
    expect(batchEvents([ev(1, 10), ev(2, 10)])).toHaveLength(1);
    expect(batchEvents([])).toEqual([]);
    expect(() => batchEvents([ev(1, 2000)], 1000)).toThrow(UsageError);
  });
});

describe('importSummary', () => {
  it('says a re-import appended nothing and how many events were already present', () => {
    const again = importSummary([{ received: 40, alreadyPresent: 40, appended: 0 }, { received: 2, alreadyPresent: 2, appended: 0 }]);
    expect(again).toMatchObject({ imported: 0, alreadyPresent: 42, calls: 2 });
    expect(again.line).toBe('0 event(s) imported, 42 already present, in 2 call(s)');
  });
  it('counts what the log appended, not what was sent', () => {
    expect(importSummary([{ received: 10, alreadyPresent: 4, appended: 6 }]).line).toBe('6 event(s) imported, 4 already present, in 1 call(s)');
  });
});
