// What travels with a request besides its payload, in process and over NATS alike:
// - the causal position (read-your-writes across services without asking the log for its head): a request may
//   carry the log position its sender has seen (`after`); the receiving service then only waits until its
//   projection has applied that position, instead of querying the head. The sender vouches that every event its
//   request depends on is at or below that position (a saga step recorded after the previous step's answer is);
// - the request id of the HTTP call that caused it (X-Request-Id), so that every service's log lines name it;
// - the W3C trace context (traceparent, tracestate) of the span that sent it, so that a saga's steps are spans of
//   the HTTP request's trace (OpenTelemetry; without a configured tracer provider nothing is injected).
// In process they travel in an envelope around the payload; over NATS in message headers. Either way the receiver
// handles the whole request (pipes, handler, reply) within them, in a span named after the subject.
import { AsyncLocalStorage } from 'node:async_hooks';
import { context, propagation, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';

const ENVELOPE = '$virtsimAfter';
const CARRIED = '$virtsimCarried';
export const CAUSAL_HEADER = 'Virtsim-After';
export const REQUEST_ID_HEADER = 'X-Request-Id';
/** the headers a request carries for its id and trace context (lower case: W3C names, HTTP normalization) */
export const CARRIED_HEADERS = ['x-request-id', 'traceparent', 'tracestate'] as const;

interface Envelope { [ENVELOPE]?: number; [CARRIED]?: Record<string, string>; data: unknown }

/** the causal position of the request being handled, if its sender gave one */
export const causality = new AsyncLocalStorage<{ after: number }>();
/** the id of the request being handled: the HTTP call's, carried to every service it reaches */
export const requestContext = new AsyncLocalStorage<{ requestId: string }>();

export const tracer = () => trace.getTracer('virtsim');

/** the request id and trace context to send along with a request made now */
export function carriedHeaders(): Record<string, string> {
  const headers: Record<string, string> = {};
  const r = requestContext.getStore();
  if (r) headers['x-request-id'] = r.requestId;
  propagation.inject(context.active(), headers);
  return headers;
}

export function withCausalPosition(data: unknown, after: number | undefined): unknown {
  const carried = carriedHeaders();
  const hasCarried = Object.keys(carried).length > 0;
  if (after === undefined && !hasCarried) return data;
  return { ...(after === undefined ? {} : { [ENVELOPE]: after }), ...(hasCarried ? { [CARRIED]: carried } : {}), data } satisfies Envelope;
}

/** the payload, the position and the carried headers of a request as the sender gave them */
export function unwrapCausal(data: unknown): { data: unknown; after?: number; carried?: Record<string, string> } {
  if (typeof data !== 'object' || data === null || !('data' in data)) return { data };
  const e = data as Envelope;
  const after = typeof e[ENVELOPE] === 'number' ? e[ENVELOPE] : undefined;
  const carried = typeof e[CARRIED] === 'object' && e[CARRIED] !== null ? e[CARRIED] : undefined;
  if (after === undefined && carried === undefined) return { data };
  return { data: e.data, after, carried };
}

/** runs `fn` within the causal position, when there is one */
export function withinCausalPosition<T>(after: number | undefined, fn: () => T): T {
  return after === undefined || !Number.isFinite(after) ? fn() : causality.run({ after }, fn);
}

/** handles a received request within everything its sender carried: position, request id, trace context (a span) */
export function withinRequest<T>(subject: string, after: number | undefined, carried: Record<string, string> | undefined, fn: () => Promise<T>): Promise<T> {
  const requestId = carried?.['x-request-id'];
  const parent = carried ? propagation.extract(ROOT_CONTEXT, carried) : ROOT_CONTEXT;
  const traced = () => context.with(parent, () => tracer().startActiveSpan(subject, { kind: SpanKind.SERVER, attributes: { 'messaging.destination.name': subject } }, async (span) => {
    try {
      return await withinCausalPosition(after, fn);
    } catch (err) {
      span.setStatus({ code: SpanStatusCode.ERROR, message: (err as Error)?.message });
      throw err;
    } finally {
      span.end();
    }
  }));
  return requestId ? requestContext.run({ requestId }, traced) : traced();
}

/** the fields every log line written while handling a request carries (the pino mixin) */
export function requestLogFields(): { reqId?: string; traceId?: string; spanId?: string } {
  const r = requestContext.getStore();
  const span = trace.getActiveSpan()?.spanContext();
  const traced = span && trace.isSpanContextValid(span) ? { traceId: span.traceId, spanId: span.spanId } : {};
  return r ? { reqId: r.requestId, ...traced } : traced;
}
