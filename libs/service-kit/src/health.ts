// GET /health (terminus: database, NATS, projections caught up) and GET /metrics (Prometheus). During a
// database or broker outage it answers 503 "degraded": the process stays up, reconnects and resumes by itself.
import { Controller, Get, Header, SetMetadata } from '@nestjs/common';
import { HealthCheck, HealthCheckService, HealthIndicatorService } from '@nestjs/terminus';
import { registry } from './metrics.js';
import { Runtime } from './runtime.js';

/** routes anyone may call without a token (probes, scrapers) */
export const PUBLIC_ROUTE = 'virtsim:public';

@Controller()
@SetMetadata(PUBLIC_ROUTE, true)
export class HealthController {
  constructor(private readonly health: HealthCheckService, private readonly indicators: HealthIndicatorService, private readonly runtime: Runtime) {}

  @Get('health')
  @HealthCheck()
  check() {
    return this.health.check([
      async () => {
        const s = this.indicators.check('database');
        return (await this.runtime.databaseUp()) ? s.up({ embedded: this.runtime.config.embedded }) : s.down({ message: 'degraded: database unreachable; reconnecting, requests are retried' });
      },
      async () => {
        const s = this.indicators.check('messaging');
        return this.runtime.natsUp() ? s.up({ transport: this.runtime.transport }) : s.down({ message: 'degraded: NATS connection lost; reconnecting, requests are retried' });
      },
      async () => {
        const s = this.indicators.check('projections');
        const status: Record<string, { position: number; lag: number; caughtUp: boolean; unapplied?: unknown }> = {};
        // lag -1: the database cannot say (the database indicator reports it). Events a projection skipped are
        // listed: the service stays up and serves, an operator sees them here, in the log and in /metrics.
        for (const [name, p] of this.runtime.projections) {
          status[name] = { position: p.position, lag: await p.lag().catch(() => -1), caughtUp: p.caughtUp, ...(p.unappliedCount ? { unapplied: { count: p.unappliedCount, last: p.unapplied } } : {}) };
        }
        const behind = Object.entries(status).filter(([, v]) => !v.caughtUp && v.lag > 0).map(([k]) => k);
        return behind.length === 0 ? s.up(status) : s.down({ ...status, message: `catching up: ${behind.join(', ')}` });
      },
    ]);
  }

  @Get('metrics')
  @Header('Content-Type', 'text/plain; version=0.0.4')
  metrics() {
    return registry.metrics();
  }
}
