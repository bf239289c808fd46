import { pinned, runMeasured } from '../processes';

export interface STimeOptions {
  readonly host: string;
  readonly port: number;
  /** `new`: a full handshake for every connection; `reuse`: resume the first connection's TLS session. */
  readonly mode: 'new' | 'reuse';
  readonly seconds: number;
  readonly cert: string;
  readonly key: string;
  readonly caFile: string;
  /** Each connection sends `GET path` and reads the answer, so a refused client certificate cannot pass for a handshake. */
  readonly path: string;
  /** How many s_time processes to run side by side on the load cores. */
  readonly parallel: number;
  readonly cpus: string | undefined;
}

export interface STimeResult {
  readonly connections: number;
  readonly connectionsPerSecond: number;
  /** Share of the connections that resumed a session (`reuse` mode); 0 for `new`. */
  readonly resumedShare: number;
  /** CPU seconds of all s_time processes per wall second. */
  readonly loadCpuShare: number;
  readonly wallSeconds: number;
}

/**
 * New TLS connections per second from `openssl s_time`, a real outside
 * client: each one presents the client certificate, makes one request and
 * closes. Several processes run at once, since one waits for every handshake.
 */
export async function runSTime(options: STimeOptions): Promise<STimeResult> {
  const args = [
    's_time',
    '-connect',
    `${options.host}:${options.port}`,
    `-${options.mode}`,
    '-time',
    String(options.seconds),
    '-cert',
    options.cert,
    '-key',
    options.key,
    '-CAfile',
    options.caFile,
    '-www',
    options.path,
  ];
  const started = Date.now();
  const runs = await Promise.all(Array.from({ length: options.parallel }, () => runMeasured(...pinned(options.cpus, 'openssl', args))));
  const wallSeconds = (Date.now() - started) / 1000;
  const parsed = runs.map((run) => parseSTimeOutput(run.stdout));
  const connections = parsed.reduce((total, p) => total + p.connections, 0);
  const resumed = parsed.reduce((total, p) => total + p.resumed, 0);
  const cpu = runs.reduce((total, run) => total + run.cpuSeconds, 0);
  return {
    connections,
    connectionsPerSecond: connections / wallSeconds,
    resumedShare: connections === 0 ? 0 : resumed / connections,
    loadCpuShare: cpu / wallSeconds,
    wallSeconds,
  };
}

/**
 * s_time prints a `*` for each new session and an `r` for each resumed one (the
 * first connection of a reuse run is not shown),
 * then `N connections in Xs; ... bytes read B` and `... B bytes read per connection`.
 */
export function parseSTimeOutput(output: string): { connections: number; resumed: number } {
  const summary = /(\d+) connections in [\d.]+s; [\d.]+ connections\/user sec, bytes read (\d+)/.exec(output);
  if (!summary) throw new Error(`openssl s_time printed no summary: ${output.trim().split('\n').slice(-2).join(' | ')}`);
  const connections = Number(summary[1]);
  if (connections > 0 && Number(summary[2]) === 0) {
    throw new Error('openssl s_time read no response: the server refused the client certificate or the request');
  }
  // The progress lines hold only those marks.
  const marks = output
    .split('\n')
    .filter((line) => /^[*r]+$/.test(line))
    .join('');
  const resumed = marks.split('').filter((mark) => mark === 'r').length;
  return { connections, resumed };
}
