// The real Vrm over an in-memory service context, for unit tests of the vrm's sagas and controllers without
// PostgreSQL or NATS. Its command runner does what the real one promises a decision: one at a time against the
// current state, the expected version of every stream checked (a mismatch is a ConcurrencyError, nothing
// written), the appended events folded through the vrm projection and kept in `log`. Calls to other services
// go to `answer`, which answers or throws as the service would; `calls` keeps what was asked, in order.
import { ConcurrencyError, VirtsimError, type EventOf, type RecordedEvent } from '@virtsim/contracts';
import type { AppendBatch } from '@virtsim/event-store';
import type { Decision, LeaderElector, RunOptions, ServiceContext } from '@virtsim/service-kit';
import { evolveVrm, initialVrmState, type VrmState } from '../src/state.js';
import { Vrm } from '../src/vrm.service.js';

export interface ServiceCall { subject: string; data: unknown }
export type Answer = (call: ServiceCall) => unknown;

export interface InMemoryVrm {
  vrm: Vrm;
  /** every event appended since `given`, with its stream and position */
  log: RecordedEvent[];
  calls: ServiceCall[];
  /** set false to depose this vrm: a saga stops at its next step */
  leader: { isLeader: boolean; epoch: number };
  /** the types appended to one stream, in order */
  typesOn(streamId: string): string[];
}

const quiet = { info: () => {}, warn: () => {}, error: () => {}, debug: () => {} };

export function inMemoryVrm(given: { streamId: string; events: EventOf[] }[], answer: Answer = () => ({})): InMemoryVrm {
  const state = initialVrmState();
  const versions = new Map<string, number>();
  const log: RecordedEvent[] = [];
  let position = 0;
  const append = (streamId: string, events: EventOf[], metadata = {}) => {
    for (const e of events) {
      const version = (versions.get(streamId) ?? 0) + 1;
      versions.set(streamId, version);
      const recorded: RecordedEvent = { position: ++position, streamId, streamVersion: version, eventId: String(position), type: e.type,
        schemaVersion: 1, data: structuredClone(e.data), metadata, recordedAt: '' };
      evolveVrm(state, recorded);
      log.push(recorded);
    }
  };
  for (const g of given) append(g.streamId, g.events);
  log.length = 0;

  let queue = Promise.resolve();
  const commands = {
    expected: (streamId: string) => versions.get(streamId) ?? 0,
    run<T>(decide: (s: VrmState) => Decision<T> | Promise<Decision<T>>, _options?: RunOptions): Promise<T & { position: number }> {
      const done = queue.then(async () => {
        const d = await decide(state);
        checkVersions(d.appends, versions);
        for (const a of d.appends) append(a.streamId, a.events as EventOf[], d.metadata);
        return { ...d.result, position };
      });
      queue = done.then(() => undefined, () => undefined);
      return done;
    },
  };
  const calls: ServiceCall[] = [];
  const call = async (rpc: { subject: string }, data: unknown) => {
    calls.push({ subject: rpc.subject, data });
    return answer({ subject: rpc.subject, data });
  };
  const ctx = {
    get state() { return state; },
    commands,
    projection: { catchUp: async () => undefined, state },
    log: quiet,
    config: { VIRTSIM_REQUEST_TIMEOUT_MS: 1000, VIRTSIM_STEP_RETRY_SECONDS: 0 },
    call,
    callAfterOwn: call,
  };
  const leader = { isLeader: true, epoch: 1, on: () => leader };
  const vrm = new Vrm(ctx as unknown as ServiceContext<VrmState>, leader as unknown as LeaderElector);
  return { vrm, log, calls, leader, typesOn: (streamId) => log.filter((e) => e.streamId === streamId).map((e) => e.type) };
}

function checkVersions(appends: AppendBatch[], versions: Map<string, number>): void {
  for (const a of appends) {
    const actual = versions.get(a.streamId) ?? 0;
    if (a.expectedVersion !== 'any' && a.expectedVersion !== actual) throw new ConcurrencyError(a.streamId, a.expectedVersion, actual);
  }
}

/** an answer that refuses one subject with `error` and answers every other call with `ok(subject)` */
export const refusing = (subject: string, error: VirtsimError, ok: (subject: string) => unknown = () => ({})): Answer =>
  (c) => { if (c.subject === subject) throw error; return ok(c.subject); };
