// One decider per aggregate (event-driven-io/emmett): decide(command, state) -> events; evolve(state, event) -> state.
// Pure: no I/O, no wall clock, no Math.random. decide throws VirtsimError to refuse a command.
export interface Decider<State, Command, Event> {
  initialState: () => State;
  decide: (command: Command, state: State) => Event[];
  evolve: (state: State, event: Event) => State;
}

export const fold = <S, E>(decider: Pick<Decider<S, unknown, E>, 'initialState' | 'evolve'>, events: readonly E[]): S =>
  events.reduce(decider.evolve, decider.initialState());
