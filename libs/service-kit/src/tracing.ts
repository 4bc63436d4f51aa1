// OpenTelemetry traces. Exported by OTLP/HTTP when OTEL_EXPORTER_OTLP_ENDPOINT (or
// OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) is set; the exporter reads the other OTEL_EXPORTER_OTLP_* variables
// itself. Otherwise the SDK is not even loaded and no provider is registered: @opentelemetry/api stays a no-op
// (no span objects, no context propagation, nothing injected into NATS headers). Spans: one per HTTP request
// at the vrm's edge and one per request a service handles (the subject), children of the caller's through
// W3C trace context.
import { context, propagation, trace } from '@opentelemetry/api';
import type { NodeTracerProvider, SpanExporter } from '@opentelemetry/sdk-trace-node';
import { VERSION } from './metrics.js';

let provider: NodeTracerProvider | null = null;

/** starts tracing for this process when configured (or with `exporter`, for tests); true when on */
export async function startTracing(service: string, exporter?: SpanExporter): Promise<boolean> {
  if (provider) return true;
  const env = process.env;
  if (!exporter && !env.OTEL_EXPORTER_OTLP_ENDPOINT && !env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) return false;
  const sdk = await import('@opentelemetry/sdk-trace-node');
  const { resourceFromAttributes } = await import('@opentelemetry/resources');
  const processor = exporter
    ? new sdk.SimpleSpanProcessor(exporter)
    : new sdk.BatchSpanProcessor(new (await import('@opentelemetry/exporter-trace-otlp-http')).OTLPTraceExporter());
  provider = new sdk.NodeTracerProvider({
    resource: resourceFromAttributes({ 'service.name': env.OTEL_SERVICE_NAME ?? `virtsim-${service}`, 'service.version': VERSION }),
    spanProcessors: [processor],
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
