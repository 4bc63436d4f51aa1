// The HTTP edge of a request: its id (the caller's X-Request-Id when it is a sane token, else a new UUID,
// answered in the X-Request-Id header), a server span (continuing the caller's W3C traceparent when it sends
// one), one access log line and the RED metrics when the answer is sent. Everything the request causes runs
// within its id and span: log lines (pino mixin), NATS requests to other services (headers, causality.ts).
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { context, propagation, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Context } from '@opentelemetry/api';
import { REQUEST_ID_HEADER, requestContext, tracer } from '@virtsim/messaging';
import { serviceLogger } from './logger.js';
import { httpDuration, httpRequests } from './metrics.js';

const SANE_ID = /^[\w.:@/+=-]{1,128}$/;
/** probes and scrapes: counted, not logged at info (one line every few seconds per pod says nothing) */
const QUIET = /^\/(api\/v1\/)?(health(\/(ready|live))?|metrics)$/;

export interface RequestScope { requestId: string; otel: Context }
const SCOPE = Symbol('virtsim.requestScope');
type Req = IncomingMessage & { [SCOPE]?: RequestScope; route?: { path?: string }; baseUrl?: string; originalUrl?: string };

/** the id and trace context of an HTTP request, for code that runs where async context was lost (after body parsing) */
export const requestScopeOf = (req: unknown): RequestScope | undefined => (req as Req)[SCOPE];

export function accessLog(service: string): (req: IncomingMessage, res: ServerResponse, next: () => void) => void {
  const log = serviceLogger(service);
  return (req: Req, res, next) => {
    const incoming = req.headers['x-request-id'];
    const requestId = typeof incoming === 'string' && SANE_ID.test(incoming) ? incoming : randomUUID();
    res.setHeader(REQUEST_ID_HEADER, requestId);
    const path = (req.originalUrl ?? req.url ?? '/').split('?')[0]!;
    const parent = propagation.extract(ROOT_CONTEXT, req.headers);
    const span = tracer().startSpan(`${req.method} ${path}`, { kind: SpanKind.SERVER, attributes: { 'http.request.method': req.method, 'url.path': path } }, parent);
    const scope: RequestScope = { requestId, otel: trace.setSpan(parent, span) };
    req[SCOPE] = scope;
    const started = process.hrtime.bigint();
    res.on('finish', () => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      // the route template Express matched (bounded label values); a request no route took is 'unmatched'
      const route = req.route?.path ? `${req.baseUrl ?? ''}${req.route.path}` : 'unmatched';
      const labels = { service, method: req.method ?? 'GET', route, status: String(res.statusCode) };
      httpRequests.inc(labels);
      httpDuration.observe(labels, seconds);
      span.setAttributes({ 'http.route': route, 'http.response.status_code': res.statusCode });
      if (res.statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
      span.updateName(`${req.method} ${route}`);
      span.end();
      const line = { req: { method: req.method, url: req.originalUrl ?? req.url, route, remote: req.socket.remoteAddress }, res: { status: res.statusCode }, ms: Math.round(seconds * 1e4) / 10 };
      requestContext.run({ requestId }, () => context.with(scope.otel, () => {
        if (QUIET.test(path) && res.statusCode < 400) log.debug(line, 'request');
        else log.info(line, 'request');
      }));
    });
    requestContext.run({ requestId }, () => context.with(scope.otel, next));
  };
}

/** runs `fn` within the request's id and span (an interceptor re-enters them after body parsing lost them) */
export function withinRequestScope<T>(scope: RequestScope | undefined, fn: () => T): T {
  return scope ? requestContext.run({ requestId: scope.requestId }, () => context.with(scope.otel, fn)) : fn();
}
