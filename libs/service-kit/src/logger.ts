// Structured JSON logs (pino) for the whole process; NestJS logs go through the same logger. A line written
// while a request is handled carries its id (reqId, the caller's X-Request-Id or one made up at the HTTP edge)
// and, when tracing is on, its traceId / spanId: the request can be followed through every service's log.
import type { LoggerService } from '@nestjs/common';
import { requestLogFields } from '@virtsim/messaging';
import { pino, type DestinationStream, type Logger } from 'pino';

let root: Logger | null = null;
let destination: DestinationStream | undefined;

export function rootLogger(level = process.env.LOG_LEVEL ?? 'info'): Logger {
  const options = { level, base: { app: 'virtsim' }, timestamp: pino.stdTimeFunctions.isoTime, mixin: requestLogFields };
  root ??= destination ? pino(options, destination) : pino(options);
  return root;
}

/** send the process's log lines to `stream` (stdout otherwise); loggers made before keep their destination */
export function logTo(stream: DestinationStream): void {
  destination = stream;
  root = null;
}

export const serviceLogger = (service: string) => rootLogger().child({ service });

export class PinoNestLogger implements LoggerService {
  constructor(private readonly pino: Logger) {}
  log(message: unknown, context?: string) { this.pino.info({ context }, String(message)); }
  error(message: unknown, trace?: string, context?: string) { this.pino.error({ context, trace }, String(message)); }
  warn(message: unknown, context?: string) { this.pino.warn({ context }, String(message)); }
  debug(message: unknown, context?: string) { this.pino.debug({ context }, String(message)); }
  verbose(message: unknown, context?: string) { this.pino.trace({ context }, String(message)); }
}
