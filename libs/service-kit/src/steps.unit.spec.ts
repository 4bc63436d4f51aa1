// A tick as one idempotent step: its key, and its recorded answer carried by one event only.
import { StepDecisions, StepOutcomes, onFirstEvent, tickKey } from './steps.js';

describe('a tick as an idempotent step', () => {
  test('the key names the tick and its simulated time', () => {
    expect(tickKey({ tick: 7, simTime: 70 })).toBe('tick-7@70');
    expect(tickKey({ tick: 7, simTime: 80 })).not.toBe(tickKey({ tick: 7, simTime: 70 }));
  });

  test('given a decided tick, its answer rides on the first event of the append only; a repeat decides nothing', async () => {
    const outcomes = new StepOutcomes('memory-manager');
    const steps = new StepDecisions('memory-manager', outcomes);
    let decided = 0;
    const decide = () => {
      decided++;
      return { appends: [{ streamId: 'memory-c1', expectedVersion: 0, events: [] }, { streamId: 'memory-c2', expectedVersion: 0, events: [{ type: 'A', data: {} }, { type: 'B', data: {} }] }], result: { events: 2 } };
    };
    const d = await steps.decision('tick-1@10', decide);
    const appends = onFirstEvent(d.appends, d.metadata);
    expect(appends[1]!.events.map((e) => e.metadata)).toEqual([{ idempotencyKey: 'tick-1@10', answer: { events: 2 }, actor: 'memory-manager' }, undefined]);
    // the log as the projection reads it back: the repeat is answered from there
    let position = 0;
    for (const e of appends.flatMap((a) => a.events)) outcomes.observe({ ...e, streamId: 'memory-c2', position: ++position } as never);
    const again = await new StepDecisions('memory-manager', outcomes).decision('tick-1@10', decide);
    expect(again).toEqual({ appends: [], result: { events: 2, repeated: true }, metadata: {} });
    expect(decided).toBe(1);
  });

  test('a tick that decided no event records nothing: the append is unchanged', () => {
    const appends = [{ streamId: 's', expectedVersion: 0, events: [] }];
    expect(onFirstEvent(appends, { idempotencyKey: 'k', answer: {} })).toBe(appends);
    expect(onFirstEvent([{ streamId: 's', expectedVersion: 0, events: [{ type: 'A', data: {} }] }], {})[0]!.events[0]).toEqual({ type: 'A', data: {} });
  });
});
