/**
 * The Node flags every service process runs with, wherever it starts: `mesh up`,
 * the benchmarks, and the Dockerfile's CMD (a test keeps that one equal to this).
 *
 * `--max-semi-space-size=4` (MB): V8 otherwise grows the young generation to
 * 16 MB per semi-space, sized for throughput, and keeps it. Measured on this
 * template's machine: idle services about 15 MB less, gateway and orders at the
 * peak of the chain's load 70-100 MB less (a peak that moves by tens of MB from
 * run to run), at no measurable cost in keep-alive throughput (0.99-1.02x). The keep-alive
 * table of every benchmark run shows the service with and without it.
 */
export const SERVICE_NODE_FLAGS: readonly string[] = ['--max-semi-space-size=4'];
