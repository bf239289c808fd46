/**
 * The Node flags every service process runs with, wherever it starts: `mesh up`,
 * the benchmarks, and the Dockerfile's CMD (a test keeps that one equal to this).
 *
 * `--max-semi-space-size=4` (MB): V8 otherwise grows the young generation to
 * 16 MB per semi-space, sized for throughput, and keeps it. Measured on this
 * template's machine: idle services about 15 MB less, gateway and orders under
 * the chain's load 70-100 MB less, keep-alive throughput 0.99x. The benchmark's
 * keep-alive table shows the service with and without it in every run.
 */
export const SERVICE_NODE_FLAGS: readonly string[] = ['--max-semi-space-size=4'];
