// Given / when / then for a decider, the one way every domain context tests its rules (emmett's
// DeciderSpecification). Import it as '@virtsim/testing/decider': the package root also loads the
// PostgreSQL / NATS helpers, which a unit test must not pay for.
//
//   const vm = spec(vmDecider);
//   vm.given(clusterWithHosts(1)).when({ type: 'DeleteVm', vmId: 'vm1' }).then([{ type: 'VmDeleted', data: { ... } }]);
//   vm.given(events).when(command).thenThrows('conflict', { rule: 'vm.state' });   // returns the error
//   vm.given(events).when(command).thenNothingHappened();
//   vm.given(events).when(first, second, third).then([...]);   // in order: the events of all three
//   const { events, state } = vm.givenState(view).when(command).result();          // for custom assertions
//
// `given` folds the events through the decider's own evolve, afresh for every `when` (so one `given` serves
// several commands); `givenState` takes a state a fixture built some other way, and the command's events are
// evolved into that very state (in place where the context's evolve works in place: a test can walk a VM
// through several commands that way). `then` compares with toEqual (asymmetric matchers such as
// expect.objectContaining work inside the list) and returns the state after the decided events.
import { VirtsimError } from '@virtsim/contracts';
import type { Decider } from '@virtsim/domain';

export interface DeciderThen<State, Event> {
  /** the decided events equal `expected`; returns the state they lead to */
  then(expected: readonly Event[]): State;
  /** the command is accepted and changes nothing */
  thenNothingHappened(): State;
  /** the (last) command is refused with this VirtsimError code (and details containing `details`); returns the error */
  thenThrows(code: VirtsimError['code'], details?: Record<string, unknown>): VirtsimError;
  /** the decided events, the state after them and the whole log (given + decided, for a `given` that goes on) */
  result(): { events: Event[]; state: State; log: Event[] };
}

export interface DeciderWhen<State, Command, Event> {
  /** several commands run in order, each decided on the state the ones before it left */
  when(...commands: Command[]): DeciderThen<State, Event>;
  /** the state the command will be decided on (for `given`, a fresh fold of the events) */
  readonly state: State;
}

export interface DeciderSpecification<State, Command, Event> {
  given(events: readonly Event[]): DeciderWhen<State, Command, Event>;
  givenState(state: State): DeciderWhen<State, Command, Event>;
}

export function spec<State, Command, Event>(decider: Decider<State, Command, Event>): DeciderSpecification<State, Command, Event> {
  const whenOn = (stateOf: () => State, given: readonly Event[]): DeciderWhen<State, Command, Event> => ({
    get state() { return stateOf(); },
    when: (...commands) => thenOf(decider, stateOf(), given, commands),
  });
  return {
    given: (events) => whenOn(() => events.reduce(decider.evolve, decider.initialState()), events),
    givenState: (state) => whenOn(() => state, []),
  };
}

function thenOf<State, Command, Event>(decider: Decider<State, Command, Event>, before: State, given: readonly Event[], commands: Command[]): DeciderThen<State, Event> {
  /** decides each command on the state the ones before it left; the events and the state after them */
  const decideAll = (list: readonly Command[]) => {
    const events: Event[] = [];
    let state = before;
    for (const command of list) {
      const decided = decider.decide(command, state);
      events.push(...decided);
      state = decided.reduce(decider.evolve, state);
    }
    return { events, state };
  };
  const result = () => {
    const { events, state } = decideAll(commands);
    return { events, state, log: [...given, ...events] };
  };
  return {
    result,
    then(expected) {
      const { events, state } = result();
      expect(events).toEqual(expected);
      return state;
    },
    thenNothingHappened() {
      const { events, state } = result();
      expect(events).toEqual([]);
      return state;
    },
    thenThrows(code, details) {
      const { state } = decideAll(commands.slice(0, -1));
      const error = refusalOf(() => decider.decide(commands[commands.length - 1]!, state));
      expect(error.code).toBe(code);
      if (details) expect(error.details).toMatchObject(details);
      return error;
    },
  };
}

function refusalOf(act: () => unknown): VirtsimError {
  try {
    act();
  } catch (error) {
    if (error instanceof VirtsimError) return error;
    throw error;
  }
  throw new Error('expected the command to be refused, it was accepted');
}
