// A command that meets a version conflict on its own stream catches up from the log and decides again before
// anything is answered (issue 14: after a restart a service's stream can be ahead of the state it decided on).
import { ConcurrencyError } from '@virtsim/contracts';
import type { AppendBatch, EventStore } from '@virtsim/event-store';
import { CommandRunner, CONFLICT_TRIES } from './command-runner.js';
import type { Projection } from './projection.js';

/** a log whose stream `io-c1` is `ahead` versions past what the projection has seen; each catch-up to the head
 *  sees one more (other writers keep appending while it reads) */
function staleLog(ahead: number) {
  const log = { head: 1231 + ahead, seen: 1231, appended: [] as AppendBatch[][], catchUps: [] as (number | null | undefined)[] };
  const projection = {
    name: 'io-backend',
    state: {},
    get position() { return log.seen; },
    catchUp: async (after?: number | null) => { log.catchUps.push(after); if (typeof after !== 'number') log.seen = Math.min(log.head, log.seen + 1); },
    waitFor: async () => undefined,
    versionOf: () => log.seen,
  };
  const store = {
    append: async (batches: AppendBatch[]) => {
      const expected = batches[0]!.expectedVersion as number;
      if (expected !== log.head) throw new ConcurrencyError('io-c1', expected, log.head);
      log.appended.push(batches);
      log.head += 1;
      return { positions: [log.head], lastPosition: log.head };
    },
  };
  const runner = new CommandRunner(store as unknown as EventStore, projection as unknown as Projection<object>);
  const command = () => runner.run(() => ({
    appends: [{ streamId: 'io-c1', expectedVersion: runner.expected('io-c1'), events: [{ type: 'IoDevicesAttached', data: {} }] }],
    result: { attached: true },
  }));
  return { log, command };
}

describe('CommandRunner: a conflict on the service\'s own stream', () => {
  it('catches up from the log and decides again until the append fits, then answers once', async () => {
    const { log, command } = staleLog(CONFLICT_TRIES); // conflicts on all but the last try
    await expect(command()).resolves.toEqual({ attached: true, position: 1231 + CONFLICT_TRIES + 1 });
    expect(log.appended).toHaveLength(1);
    expect(log.appended[0]![0]!.expectedVersion).toBe(1231 + CONFLICT_TRIES);
    expect(log.catchUps).toEqual(Array(CONFLICT_TRIES).fill(null)); // each decision read the head first
  });

  it('past the bounded tries the conflict is answered (a 409), nothing appended', async () => {
    const { log, command } = staleLog(CONFLICT_TRIES + 1);
    await expect(command()).rejects.toMatchObject({ code: 'conflict', details: { rule: 'concurrency', streamId: 'io-c1' } });
    expect(log.appended).toHaveLength(0);
  });
});
