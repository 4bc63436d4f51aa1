// The one way a projection names the events it folds or reacts to: a guard built from a list of event types
// the compiler checks against the event unions (a misspelt, renamed or retired type does not compile; pin a
// domain's input union with `isEventOf<memory.MemoryInputEvent['type']>([...])` to keep others out), which
// narrows `event.type` for the code behind it. A lookup is one Set.has, what a hand-written Set<string> cost.
import type { AnyEvent } from './catalog.js';

/** the name of every event the log may hold */
export type EventType = AnyEvent['type'];

export interface EventGuard<T extends EventType> {
  <E extends { type: string }>(event: E): event is E & { type: T };
  /** the listed types, for a reader that iterates them */
  readonly types: ReadonlySet<T>;
}

export function isEventOf<const T extends EventType>(types: readonly T[]): EventGuard<T> {
  const set: ReadonlySet<string> = new Set(types);
  const guard = <E extends { type: string }>(event: E): event is E & { type: T } => set.has(event.type);
  return Object.assign(guard, { types: set as ReadonlySet<T> });
}
