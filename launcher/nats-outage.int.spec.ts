// A broker restart (issue 14): a request waiting for its answer when the NATS connection drops fails at once
// as `unavailable` (the caller retries it) instead of waiting out its timeout; the client reconnects by itself.
import type { ClientProxy } from '@nestjs/microservices';
import { connect } from '@nats-io/transport-node';
import { PrefixedNatsClient, request } from '@virtsim/messaging';
import { loadConfig, Runtime } from '@virtsim/service-kit';
import { createTestDatabase } from '@virtsim/testing';
import { PrivateNats, sleep } from './fault-harness.js';

let nats: PrivateNats;
beforeAll(async () => { nats = await PrivateNats.start(); });
afterAll(async () => { await nats?.down(); });

test('NATS goes away while a request waits: it fails at once as unavailable; after the restart requests are answered again', async () => {
  const client = new PrefixedNatsClient({ url: nats.url, prefix: 'outage' });
  await client.connect();
  const silent = await connect({ servers: nats.url, reconnect: false });
  let received!: () => void;
  const delivered = new Promise<void>((r) => { received = r; });
  silent.subscribe('outage.scheduler.place', { callback: () => received() }); // receives, never answers
  await silent.flush();

  const pending = request(client as unknown as ClientProxy, 'scheduler.place', { vmId: 'vm1' }, 600_000).catch((e: unknown) => e);
  await delivered;
  await nats.down();
  expect(await pending).toMatchObject({ code: 'unavailable', message: expect.stringMatching(/NATS connection was lost/) });

  await nats.up();
  const responder = await connect({ servers: nats.url });
  responder.subscribe('outage.scheduler.place', { callback: (_e, m) => { m.respond(JSON.stringify({ id: JSON.parse(m.string()).id, response: { hostId: 'h1' }, isDisposed: true })); } });
  await responder.flush();
  let answer: unknown = null;
  // until the client has reconnected (a refusal while reconnecting may come without a timer turn: sleep between)
  while (answer === null) answer = await request(client as unknown as ClientProxy, 'scheduler.place', { vmId: 'vm1' }, 2000).catch(() => sleep(100).then(() => null));
  expect(answer).toEqual({ hostId: 'h1' });
  await responder.close();
  await client.close();
});

test('/health reports messaging degraded while NATS is away, and up again once the runtime has reconnected by itself', async () => {
  const db = await createTestDatabase('nats_outage');
  const rt = await Runtime.create(loadConfig({ DATABASE_URL: db.url, NATS_URL: nats.url, VIRTSIM_SERVICE: 'scheduler', VIRTSIM_SUBJECT_PREFIX: 'outage2', LOG_LEVEL: 'silent' }));
  try {
    expect(rt.natsUp()).toBe(true);
    await nats.down();
    while (rt.natsUp()) await sleep(50);
    await nats.up();
    while (!rt.natsUp()) await sleep(50);
    expect(rt.natsUp()).toBe(true);
  } finally {
    await rt.close();
    await db.drop();
  }
});
