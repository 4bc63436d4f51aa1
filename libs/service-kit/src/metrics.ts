// Prometheus metrics (prom-client), one registry per process, labelled by service.
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
