// Structured JSON logs (pino) for the whole process; NestJS logs go through the same logger.
import type { LoggerService } from '@nestjs/common';
import { pino, type Logger } from 'pino';

let root: Logger | null = null;

export function rootLogger(level = process.env.LOG_LEVEL ?? 'info'): Logger {
  root ??= pino({ level, base: { app: 'virtsim' }, timestamp: pino.stdTimeFunctions.isoTime });
  return root;
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
