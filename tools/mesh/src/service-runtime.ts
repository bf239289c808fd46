/**
 * The Node flags every service process runs with, wherever it starts: `mesh up`,
 * the benchmarks, and the Dockerfile's CMD (a test keeps that one equal to this).
 *
 * `--max-semi-space-size=4` (MB): V8 otherwise grows the young generation to
 * 16 MB per semi-space, sized for throughput, and keeps it. In the full
 * `pnpm bench` run that introduced it, idle services took about 15 MB less and
 * gateway and orders under load 70-100 MB less, at 0.99x the keep-alive
 * throughput; bench/BENCHMARKS.md shows the service with and without it.
 */
export const SERVICE_NODE_FLAGS: readonly string[] = ['--max-semi-space-size=4'];
