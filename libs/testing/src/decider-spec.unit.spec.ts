import { VirtsimError } from '@virtsim/contracts';
import type { Decider } from '@virtsim/domain';
import { spec } from './decider-spec.js';

// A toy counter: Add n (refused past 10), Reset when non-zero.
type Event = { type: 'Added'; n: number } | { type: 'Reset' };
type Command = { type: 'Add'; n: number } | { type: 'Reset' };
const counter: Decider<number, Command, Event> = {
  initialState: () => 0,
  evolve: (total, e) => (e.type === 'Added' ? total + e.n : 0),
  decide: (c, total) => {
    if (c.type === 'Reset') return total === 0 ? [] : [{ type: 'Reset' }];
    if (total + c.n > 10) throw new VirtsimError('conflict', `${total} + ${c.n} > 10`, { rule: 'counter.max', total });
    return [{ type: 'Added', n: c.n }];
  },
};
const counters = spec(counter);

describe('spec(decider)', () => {
  it('then: the decided events, and the state after them', () => {
    expect(counters.given([{ type: 'Added', n: 4 }]).when({ type: 'Add', n: 3 }).then([{ type: 'Added', n: 3 }])).toBe(7);
  });

  it('several commands run in order; the log is given + decided', () => {
    const { events, state, log } = counters.given([{ type: 'Added', n: 1 }]).when({ type: 'Add', n: 2 }, { type: 'Reset' }).result();
    expect(events).toEqual([{ type: 'Added', n: 2 }, { type: 'Reset' }]);
    expect(state).toBe(0);
    expect(log).toHaveLength(3);
  });

  it('thenThrows returns the refusal of the last command, decided after the ones before it', () => {
    const error = counters.given([]).when({ type: 'Add', n: 6 }, { type: 'Add', n: 5 }).thenThrows('conflict', { rule: 'counter.max' });
    expect(error.details).toEqual({ rule: 'counter.max', total: 6 });
  });

  it('fails when the events differ, when an accepted command was expected refused, or a refused one changed nothing', () => {
    expect(() => counters.given([]).when({ type: 'Add', n: 1 }).then([{ type: 'Added', n: 2 }])).toThrow();
    expect(() => counters.given([]).when({ type: 'Add', n: 1 }).thenThrows('conflict')).toThrow('expected the command to be refused');
    expect(() => counters.given([]).when({ type: 'Add', n: 11 }).thenThrows('not-found')).toThrow();
    expect(() => counters.given([]).when({ type: 'Add', n: 1 }).thenNothingHappened()).toThrow();
    counters.given([]).when({ type: 'Reset' }).thenNothingHappened();
  });

  it('given folds afresh for every when; givenState evolves the very state passed in', () => {
    const four = counters.given([{ type: 'Added', n: 4 }]);
    four.when({ type: 'Add', n: 5 }).result();
    expect(four.state).toBe(4);
    expect(counters.givenState(four.state).when({ type: 'Add', n: 5 }).result().state).toBe(9);
  });
});
