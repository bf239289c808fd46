/**
 * The Node flags every service process runs with, wherever it starts: `mesh up`,
 * the benchmarks, and the Dockerfile's CMD (a test keeps that one equal to this).
 *
 * `--max-semi-space-size=4` (MB): V8 otherwise grows the young generation to
 * 16 MB per semi-space, sized for throughput, and keeps it. Measured with
 * `pnpm bench` (bench/BENCHMARKS.md): it takes about 17 MB off every idle
 * service and about 70 MB off gateway and orders under load, for about 5% of
 * keep-alive throughput.
 */
export const SERVICE_NODE_FLAGS: readonly string[] = ['--max-semi-space-size=4'];
