/**
 * OpenTelemetry tracing through `@temporalio/interceptors-opentelemetry`, off unless
 * OTEL_TRACES_EXPORTER=otlp (or `console`). The CLI's client starts the trace (StartWorkflow);
 * the header carries it into the workflow (RunWorkflow, StartActivity, signals) and on into each
 * activity (RunActivity) in whichever worker process runs it, so one order is one trace across
 * processes. Spans go out over OTLP/HTTP to OTEL_EXPORTER_OTLP_ENDPOINT (the exporter reads the
 * standard OTEL_* variables itself). Workflow spans leave the sandbox through the `exporter` sink.
 */
import * as otel from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { Resource } from '@opentelemetry/resources';
import {
  BasicTracerProvider,
  BatchSpanProcessor,
  ConsoleSpanExporter,
  type SpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import {
  makeWorkflowExporter,
  OpenTelemetryActivityInboundInterceptor,
  OpenTelemetryActivityOutboundInterceptor,
  OpenTelemetryWorkflowClientInterceptor,
} from '@temporalio/interceptors-opentelemetry';
import type { WorkerOptions } from '@temporalio/worker';

export type TracesExporter = 'none' | 'otlp' | 'console';

interface Tracing {
  processor: SpanProcessor;
  resource: Resource;
  provider: BasicTracerProvider;
}

let tracing: Tracing | undefined;

/** Starts this process's tracer provider once (global: the interceptors find it there). */
export function startTracing(exporter: TracesExporter, serviceName: string): boolean {
  if (exporter === 'none') return false;
  if (tracing) return true;
  const resource = new Resource({ 'service.name': process.env.OTEL_SERVICE_NAME ?? serviceName });
  const processor = new BatchSpanProcessor(exporter === 'otlp' ? new OTLPTraceExporter() : new ConsoleSpanExporter(), {
    scheduledDelayMillis: 1_000,
  });
  const provider = new BasicTracerProvider({ resource, spanProcessors: [processor] });
  // Global provider and W3C trace-context propagation; the context manager is what makes a span
  // "active" across awaits, without it every span would start a trace of its own.
  provider.register({ contextManager: new AsyncLocalStorageContextManager() });
  tracing = { processor, resource, provider };
  return true;
}

/** Client interceptors: the trace starts where the order is placed. */
export function tracingClientInterceptors() {
  return tracing ? { workflow: [new OpenTelemetryWorkflowClientInterceptor()] } : undefined;
}

/**
 * What a worker adds when tracing runs: activity spans, and for the workflow worker the workflow
 * interceptors (bundled with the workflow code, so a prebuilt bundle has none) and their sink.
 */
export function tracingWorkerOptions(runsWorkflows: boolean): Pick<WorkerOptions, 'interceptors' | 'sinks'> {
  if (!tracing) return {};
  const activity = [
    (ctx: Parameters<NonNullable<NonNullable<WorkerOptions['interceptors']>['activity']>[number]>[0]) => ({
      inbound: new OpenTelemetryActivityInboundInterceptor(ctx),
      outbound: new OpenTelemetryActivityOutboundInterceptor(ctx),
    }),
  ];
  return runsWorkflows
    ? {
        interceptors: {
          activity,
          workflowModules: [require.resolve('@temporalio/interceptors-opentelemetry/lib/workflow-interceptors')],
        },
        sinks: { exporter: makeWorkflowExporter(tracing.processor, tracing.resource) },
      }
    : { interceptors: { activity } };
}

/** Flushes what is buffered and stops (CLI exit, worker shutdown). */
export async function stopTracing(): Promise<void> {
  const t = tracing;
  tracing = undefined;
  if (t) {
    await t.provider.shutdown();
    otel.trace.disable();
  }
}
