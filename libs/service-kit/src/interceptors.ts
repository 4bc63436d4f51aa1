// Handler latency per message pattern, for /metrics, and one debug log line per handled message (it carries the
// request id and trace id of the request that caused it: logger.ts). An HTTP handler runs within its request's
// id and span again: reading the body (body-parser's stream events) loses the async context set at the edge.
import { Injectable, type CallHandler, type ExecutionContext, type NestInterceptor } from '@nestjs/common';
import { Observable, tap } from 'rxjs';
import { requestScopeOf, withinRequestScope } from './access-log.js';
import { handlerDuration } from './metrics.js';
import { ServiceContext } from './service-context.js';

@Injectable()
export class HandlerMetricsInterceptor implements NestInterceptor {
  constructor(private readonly ctx: ServiceContext) {}
  intercept(context: ExecutionContext, next: CallHandler) {
    if (context.getType() === 'http') {
      const scope = requestScopeOf(context.switchToHttp().getRequest());
      return new Observable((subscriber) => withinRequestScope(scope, () => next.handle().subscribe(subscriber)));
    }
    if (context.getType() !== 'rpc') return next.handle();
    const pattern = String(Reflect.getMetadata('microservices:pattern', context.getHandler())?.[0] ?? context.getHandler().name);
    const end = handlerDuration.startTimer({ service: this.ctx.name, pattern });
    const done = (outcome: 'ok' | 'error') => {
      const seconds = end({ outcome });
      this.ctx.log.debug({ pattern, outcome, ms: Math.round(seconds * 1e4) / 10 }, 'handled');
    };
    return next.handle().pipe(tap({ complete: () => done('ok'), error: () => done('error') }));
  }
}
