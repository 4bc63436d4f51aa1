// GET /events/stream without `after` reads the head first; a client that goes away meanwhile must leave no
// log reader behind (issue 23, item 4: three rounds of 200 dropped streams kept 600 readers polling for good).
import type { EventStore } from '@virtsim/event-store';
import type { ServiceContext } from '@virtsim/service-kit';
import { EventsController } from './events.controller.js';

function fakeStore() {
  let live = 0;
  const heads: ((p: number) => void)[] = [];
  const listen = () => { live++; return () => { live--; }; };
  const store = {
    headPosition: () => new Promise<number>((resolve) => heads.push(resolve)),
    readAll: async () => [],
    onRing: listen,
    onAppended: listen,
  } as unknown as EventStore;
  return { store, readers: () => live / 2, answerHeads: (p: number) => heads.splice(0).forEach((r) => r(p)) };
}

const flush = () => new Promise((r) => setImmediate(r));

describe('GET /events/stream dropped by the client', () => {
  it('before the head is known: no reader is started at all', async () => {
    const f = fakeStore();
    const events = new EventsController({ store: f.store } as unknown as ServiceContext);
    for (let i = 0; i < 20; i++) events.stream().subscribe().unsubscribe();
    f.answerHeads(42);
    await flush();
    expect(f.readers()).toBe(0);
  });

  it('after it: the reader stops with the client', async () => {
    const f = fakeStore();
    const events = new EventsController({ store: f.store } as unknown as ServiceContext);
    const client = events.stream().subscribe();
    f.answerHeads(42);
    await flush();
    expect(f.readers()).toBe(1);
    client.unsubscribe();
    expect(f.readers()).toBe(0);
  });
});
