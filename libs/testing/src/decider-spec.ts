// Given / when / then for a decider, the one way every domain context tests its rules (emmett's
// DeciderSpecification). Import it as '@virtsim/testing/decider': the package root also loads the
// PostgreSQL / NATS helpers, which a unit test must not pay for.
//
//   const vm = spec(vmDecider);
//   vm.given(clusterWithHosts(1)).when({ type: 'DeleteVm', vmId: 'vm1' }).then([{ type: 'VmDeleted', data: { ... } }]);
//   vm.given(events).when(command).thenThrows('conflict', { rule: 'vm.state' });   // returns the error
//   vm.given(events).when(command).thenNothingHappened();
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
  /** the command is refused with this VirtsimError code (and details containing `details`); returns the error */
  thenThrows(code: VirtsimError['code'], details?: Record<string, unknown>): VirtsimError;
  /** the decided events and the state after them, for assertions `then` cannot express */
  result(): { events: Event[]; state: State };
}

export interface DeciderWhen<State, Command, Event> {
  when(command: Command): DeciderThen<State, Event>;
  /** the state the command will be decided on (for `given`, a fresh fold of the events) */
  readonly state: State;
}

export interface DeciderSpecification<State, Command, Event> {
  given(events: readonly Event[]): DeciderWhen<State, Command, Event>;
  givenState(state: State): DeciderWhen<State, Command, Event>;
}

export function spec<State, Command, Event>(decider: Decider<State, Command, Event>): DeciderSpecification<State, Command, Event> {
  const whenOn = (stateOf: () => State): DeciderWhen<State, Command, Event> => ({
    get state() { return stateOf(); },
    when: (command) => thenOf(decider, stateOf(), command),
  });
  return {
    given: (events) => whenOn(() => events.reduce(decider.evolve, decider.initialState())),
    givenState: (state) => whenOn(() => state),
  };
}

function thenOf<State, Command, Event>(decider: Decider<State, Command, Event>, state: State, command: Command): DeciderThen<State, Event> {
  const result = () => {
    const events = decider.decide(command, state);
    return { events, state: events.reduce(decider.evolve, state) };
  };
  return {
    result,
    then(expected) {
      const { events, state: after } = result();
      expect(events).toEqual(expected);
      return after;
    },
    thenNothingHappened() {
      const { events, state: after } = result();
      expect(events).toEqual([]);
      return after;
    },
    thenThrows(code, details) {
      const error = refusalOf(() => decider.decide(command, state));
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
