// Handler latency per message pattern, for /metrics.
import { Injectable, type CallHandler, type ExecutionContext, type NestInterceptor } from '@nestjs/common';
import { tap } from 'rxjs';
import { handlerDuration } from './metrics.js';
import { ServiceContext } from './service-context.js';

@Injectable()
export class HandlerMetricsInterceptor implements NestInterceptor {
  constructor(private readonly ctx: ServiceContext) {}
  intercept(context: ExecutionContext, next: CallHandler) {
    if (context.getType() !== 'rpc') return next.handle();
    const pattern = Reflect.getMetadata('microservices:pattern', context.getHandler())?.[0] ?? context.getHandler().name;
    const end = handlerDuration.startTimer({ service: this.ctx.name, pattern: String(pattern) });
    return next.handle().pipe(tap({ complete: () => end({ outcome: 'ok' }), error: () => end({ outcome: 'error' }) }));
  }
}
