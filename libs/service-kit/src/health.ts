// GET /health (terminus: database, NATS, projections caught up) and GET /metrics (Prometheus). During a
// database or broker outage it answers 503 "degraded": the process stays up, reconnects and resumes by itself.
import { Controller, Get, Header, ServiceUnavailableException, SetMetadata } from '@nestjs/common';
import { HealthCheck, HealthCheckService, HealthIndicatorService } from '@nestjs/terminus';
import { updateDomainGauges } from './domain-metrics.js';
import { registry } from './metrics.js';
import { Runtime } from './runtime.js';

/** routes anyone may call without a token (probes, scrapers) */
export const PUBLIC_ROUTE = 'virtsim:public';

/** what a service adds to readiness: null when ready, else why not (the vrm: no leader to answer its API) */
export type ReadinessCheck = () => Promise<string | null>;
const readinessChecks = new WeakMap<Runtime, ReadinessCheck[]>();
export function addReadinessCheck(rt: Runtime, check: ReadinessCheck): void {
  readinessChecks.set(rt, [...(readinessChecks.get(rt) ?? []), check]);
}

/** what a service adds to /health: its state as one more indicator, `up: false` saying degraded (e.g. the vrm's
 *  sagas whose compensation has not completed) */
export type HealthReport = () => Promise<{ up: boolean; details: Record<string, unknown> }>;
const healthReports = new WeakMap<Runtime, [string, HealthReport][]>();
export function addHealthReport(rt: Runtime, name: string, report: HealthReport): void {
  healthReports.set(rt, [...(healthReports.get(rt) ?? []), [name, report]]);
}

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
        const status: Record<string, { position: number; lag: number; caughtUp: boolean; unapplied?: unknown; shares?: number[] }> = {};
        // lag -1: the database cannot say (the database indicator reports it). Events a projection skipped are
        // listed: the service stays up and serves, an operator sees them here, in the log and in /metrics.
        for (const [name, p] of this.runtime.projections) {
          status[name] = { position: p.position, lag: await p.lag().catch(() => -1), caughtUp: p.caughtUp, ...(p.unappliedCount ? { unapplied: { count: p.unappliedCount, last: p.unapplied } } : {}),
            // a sharded replica (VIRTSIM_SHARDS > 1): the shares whose clusters it folds and answers for
            ...(p.shardScope ? { shares: [...p.shardScope.owned].sort((a, b) => a - b) } : {}) };
        }
        const behind = Object.entries(status).filter(([, v]) => !v.caughtUp && v.lag > 0).map(([k]) => k);
        return behind.length === 0 ? s.up(status) : s.down({ ...status, message: `catching up: ${behind.join(', ')}` });
      },
      ...(healthReports.get(this.runtime) ?? []).map(([name, report]) => async () => {
        const r = await report();
        const s = this.indicators.check(name);
        return r.up ? s.up(r.details) : s.down(r.details);
      }),
    ]);
  }

  /** liveness: the process answers. A database or NATS outage is no reason to restart it (it reconnects). */
  @Get('health/live')
  live() {
    return { status: 'ok' };
  }

  /** readiness: what /health checks, and what the service adds (addReadinessCheck) */
  @Get('health/ready')
  @HealthCheck()
  async ready() {
    const reasons = (await Promise.all((readinessChecks.get(this.runtime) ?? []).map((c) => c()))).filter((r) => r !== null);
    if (reasons.length) throw new ServiceUnavailableException({ status: 'error', info: {}, error: { readiness: { status: 'down', message: reasons.join('; ') } } });
    return this.check();
  }

  @Get('metrics')
  @Header('Content-Type', 'text/plain; version=0.0.4')
  metrics() {
    updateDomainGauges(this.runtime);
    return registry.metrics();
  }
}
