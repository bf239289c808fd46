import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http';
import { context, propagation, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Attributes, type Context, type Span } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';

/**
 * Traces through OpenTelemetry's API only. Without an SDK (the default) its spans record
 * nothing and cost next to nothing, but a span started under an incoming `traceparent` keeps
 * its trace id, so the id still travels from the server hook to the mesh client's calls and
 * into every log line. With `OTEL_EXPORTER_OTLP_ENDPOINT` set, the SDK and the OTLP exporter
 * are loaded (lazily: a mesh that does not export never loads them) and the same spans are
 * recorded and exported. NestJS 12 and Fastify 5 have no instrumentation that works here; the
 * trust library's hook and client see every request, so they are where spans begin and end.
 */
const TRACER_NAME = '@portcullis/trust';
const tracer = () => trace.getTracer(TRACER_NAME);

/** Whether spans are recorded and exported (an SDK is registered). */
let recording = false;
let installed = false;

export interface TracingOptions {
  readonly service: string;
  readonly env?: NodeJS.ProcessEnv;
}

/** What `installTracing` did, to be said in the start-up line. */
export type TracingMode = 'propagate-only' | 'otlp';

/**
 * Registers W3C trace-context propagation and an AsyncLocalStorage context manager (once per
 * process), and the OTLP exporter when `OTEL_EXPORTER_OTLP_ENDPOINT` asks for one.
 */
export async function installTracing(options: TracingOptions): Promise<TracingMode> {
  const env = options.env ?? process.env;
  if (!installed) {
    installed = true;
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    propagation.setGlobalPropagator(new W3CTraceContextPropagator());
    if (env.OTEL_EXPORTER_OTLP_ENDPOINT || env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) {
      await registerExporter(options.service);
      recording = true;
    }
  }
  return recording ? 'otlp' : 'propagate-only';
}

async function registerExporter(service: string): Promise<void> {
  const [{ TracerProvider, BatchSpanProcessor }, { OTLPTraceExporter }, { resourceFromAttributes }] = await Promise.all([
    import('@opentelemetry/sdk-trace'),
    import('@opentelemetry/exporter-trace-otlp-http'),
    import('@opentelemetry/resources'),
  ]);
  const provider = new TracerProvider({
    resource: resourceFromAttributes({ 'service.name': service }),
    // The exporter reads OTEL_EXPORTER_OTLP_ENDPOINT (and its headers and timeout) itself.
    spanProcessors: [new BatchSpanProcessor({ exporter: new OTLPTraceExporter() })],
  });
  trace.setGlobalTracerProvider(provider);
  // Spans still in the batch are sent before the process goes (SIGTERM closes the server first).
  process.once('beforeExit', () => void provider.shutdown().catch(() => undefined));
}

/** The trace of the request being served, for the logger's every line; none outside a request. */
export function activeTraceFields(): { trace_id?: string; span_id?: string } {
  const span = trace.getSpan(context.active());
  return span ? traceFields(span) : {};
}

export function traceFields(span: Span): { trace_id: string; span_id: string } {
  const { traceId, spanId } = span.spanContext();
  return { trace_id: traceId, span_id: spanId };
}

/** A request's span and the context that carries it to the handler (and so to the mesh client). */
export interface RequestTrace {
  readonly span: Span;
  readonly context: Context;
}

/**
 * The server span of a request, child of its `traceparent` when it has one. Nothing at all
 * when no SDK records and no trace came in: the hot path then allocates nothing for tracing.
 */
export function startServerSpan(headers: IncomingHttpHeaders, name: string): RequestTrace | undefined {
  if (!recording && headers.traceparent === undefined) return undefined;
  const parent = propagation.extract(ROOT_CONTEXT, headers);
  const span = tracer().startSpan(name, { kind: SpanKind.SERVER }, parent);
  return { span, context: trace.setSpan(parent, span) };
}

/** Runs `next` (the rest of the request: body, handler) inside the request's trace context. */
export function withRequestTrace(requestTrace: RequestTrace | undefined, next: () => void): void {
  if (requestTrace) context.with(requestTrace.context, next);
  else next();
}

/** Ends a server span with the answer's status; attributes only when something records them. */
export function endServerSpan(requestTrace: RequestTrace | undefined, status: number, attributes: () => Attributes): void {
  if (!requestTrace) return;
  const { span } = requestTrace;
  if (span.isRecording()) {
    span.setAttributes({ ...attributes(), 'http.response.status_code': status });
    if (status >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
  }
  span.end();
}

/**
 * A client span for a call made while a request is served (or always, when recording), and
 * the `traceparent` for the call's headers. Undefined when there is no trace to continue.
 */
export function startClientSpan(target: string, method: string, headers: OutgoingHttpHeaders, attributes: () => Attributes): Span | undefined {
  const active = context.active();
  if (!recording && trace.getSpan(active) === undefined) return undefined;
  const span = tracer().startSpan(`${method} ${target}`, { kind: SpanKind.CLIENT }, active);
  if (span.isRecording()) span.setAttributes(attributes());
  propagation.inject(trace.setSpan(active, span), headers);
  return span;
}

export function endClientSpan(span: Span | undefined, outcome: number | string): void {
  if (!span) return;
  if (span.isRecording()) {
    if (typeof outcome === 'number') span.setAttribute('http.response.status_code', outcome);
    else {
      span.setAttribute('error.type', outcome);
      span.setStatus({ code: SpanStatusCode.ERROR, message: outcome });
    }
  }
  span.end();
}
