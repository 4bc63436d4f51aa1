// Prometheus metrics (prom-client), one registry per process, labelled by service.
import { readFileSync } from 'node:fs';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export const registry = new Registry();
collectDefaultMetrics({ register: registry });

export const eventsApplied = new Counter({
  name: 'virtsim_events_applied_total', help: 'events applied to a service projection', labelNames: ['service'], registers: [registry],
});
export const projectionLag = new Gauge({
  name: 'virtsim_projection_lag_events', help: 'events in the log not yet applied by a service', labelNames: ['service'], registers: [registry],
});
export const projectionPosition = new Gauge({
  name: 'virtsim_projection_position', help: 'last log position applied by a service', labelNames: ['service'], registers: [registry],
});
export const eventsUnapplied = new Counter({
  name: 'virtsim_events_unapplied_total', help: 'events a service projection could not apply (skipped, logged, listed by /health)', labelNames: ['service'], registers: [registry],
});
export const handlerDuration = new Histogram({
  name: 'virtsim_handler_duration_seconds', help: 'message handler latency', labelNames: ['service', 'pattern', 'outcome'],
  buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10], registers: [registry],
});
export const eventsAppended = new Counter({
  name: 'virtsim_events_appended_total', help: 'events appended by a service', labelNames: ['service'], registers: [registry],
});

/** prom-client's nodejs_active_{handles,requests,resources}_total are gauges named like counters (promtool
 *  flags them); the same values stay as nodejs_active_handles / _requests / _resources */
for (const name of ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total']) registry.removeSingleMetric(name);

/** the release of this build: the root package.json's version */
export const VERSION = readVersion();
function readVersion(): string {
  for (let dir = new URL('.', import.meta.url); dir.pathname !== '/'; dir = new URL('..', dir)) {
    try {
      const pkg = JSON.parse(readFileSync(new URL('package.json', dir), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'virtsim') return pkg.version ?? 'unknown';
    } catch { /* not here: one folder up */ }
  }
  return 'unknown';
}

export const buildInfo = new Gauge({
  name: 'virtsim_build_info', help: 'always 1: the version of this build and the Node.js release running it', labelNames: ['version', 'nodejs'], registers: [registry],
});
buildInfo.set({ version: VERSION, nodejs: process.versions.node }, 1);

// HTTP RED: rate and errors (by status) and duration, per route template (not the raw path: bounded labels)
export const httpRequests = new Counter({
  name: 'virtsim_http_requests_total', help: 'HTTP requests answered', labelNames: ['service', 'method', 'route', 'status'], registers: [registry],
});
export const httpDuration = new Histogram({
  name: 'virtsim_http_request_duration_seconds', help: 'HTTP request latency until the answer is sent', labelNames: ['service', 'method', 'route', 'status'],
  buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30], registers: [registry],
});

export const vrmLeader = new Gauge({
  name: 'virtsim_vrm_leader', help: '1 while this vrm holds the leader lease, 0 on a standby', labelNames: ['holder'], registers: [registry],
});
export const vrmEpoch = new Gauge({
  name: 'virtsim_vrm_leader_epoch', help: 'the leader epoch this vrm holds (0 on a standby)', labelNames: ['holder'], registers: [registry],
});
