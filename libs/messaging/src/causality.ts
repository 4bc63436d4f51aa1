// Read-your-writes across services without asking the log for its head. A request may carry the log
// position its sender has seen (`after`); the receiving service then only waits until its projection has
// applied that position, instead of querying the head. The sender vouches that every event its request
// depends on is at or below that position (a saga step recorded after the previous step's answer is).
// In process the position travels in an envelope around the payload; over NATS in a message header.
// Either way the receiver handles the whole request (pipes, handler, reply) within `causality`.
import { AsyncLocalStorage } from 'node:async_hooks';

const ENVELOPE = '$virtsimAfter';
export const CAUSAL_HEADER = 'Virtsim-After';

interface Envelope { [ENVELOPE]: number; data: unknown }

/** the causal position of the request being handled, if its sender gave one */
export const causality = new AsyncLocalStorage<{ after: number }>();

export function withCausalPosition(data: unknown, after: number | undefined): unknown {
  return after === undefined ? data : { [ENVELOPE]: after, data } satisfies Envelope;
}

/** the payload and the position of a request as the sender gave it */
export function unwrapCausal(data: unknown): { data: unknown; after?: number } {
  if (typeof data !== 'object' || data === null || typeof (data as Record<string, unknown>)[ENVELOPE] !== 'number') return { data };
  const e = data as Envelope;
  return { data: e.data, after: e[ENVELOPE] };
}

/** runs `fn` within the causal position, when there is one */
export function withinCausalPosition<T>(after: number | undefined, fn: () => T): T {
  return after === undefined || !Number.isFinite(after) ? fn() : causality.run({ after }, fn);
}
