// For tests that must show a path reads less of the log (a rebuild from a snapshot, no re-reads): the events an
// event store hands out while `fn` runs.
import type { EventStore } from '@virtsim/event-store';

export async function eventsRead<T>(store: EventStore, fn: () => Promise<T>): Promise<{ value: T; read: number }> {
  const readAll = store.readAll;
  let read = 0;
  store.readAll = async (...args) => {
    const events = await readAll.apply(store, args);
    read += events.length;
    return events;
  };
  try {
    return { value: await fn(), read };
  } finally {
    store.readAll = readAll;
  }
}
