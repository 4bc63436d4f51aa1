// OpenTelemetry traces. Exported by OTLP/HTTP when OTEL_EXPORTER_OTLP_ENDPOINT (or
// OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) is set; the exporter reads the other OTEL_EXPORTER_OTLP_* variables
// itself. Otherwise no provider is registered: @opentelemetry/api stays a no-op (no span objects, no context
// propagation, nothing injected into NATS headers). Spans: one per HTTP request at the vrm's edge and one per
// request a service handles (the subject), children of the caller's through W3C trace context.
import { context, propagation, trace } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, NodeTracerProvider, SimpleSpanProcessor, type SpanExporter } from '@opentelemetry/sdk-trace-node';
import { VERSION } from './metrics.js';

let provider: NodeTracerProvider | null = null;

/** starts tracing for this process when configured (or with `exporter`, for tests); true when on */
export function startTracing(service: string, exporter?: SpanExporter): boolean {
  if (provider) return true;
  const env = process.env;
  if (!exporter && !env.OTEL_EXPORTER_OTLP_ENDPOINT && !env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) return false;
  provider = new NodeTracerProvider({
    resource: resourceFromAttributes({ 'service.name': env.OTEL_SERVICE_NAME ?? `virtsim-${service}`, 'service.version': VERSION }),
    spanProcessors: [exporter ? new SimpleSpanProcessor(exporter) : new BatchSpanProcessor(new OTLPTraceExporter())],
  });
  provider.register();
  return true;
}

/** flushes and stops tracing (at shutdown) */
export async function stopTracing(): Promise<void> {
  await provider?.shutdown();
  provider = null;
  // the globals register() set: a later startTracing may register again
  trace.disable();
  context.disable();
  propagation.disable();
}
