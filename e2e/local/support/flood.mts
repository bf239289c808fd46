import { connect, type Socket } from 'node:net';

/**
 * A pre-handshake flood, run as a process of its own (an independent attacker,
 * and the test's event loop stays free): it holds `connections` TCP
 * connections to `host:port` from the given source addresses, round robin,
 * never sends a byte, and opens a new one from the same address whenever one
 * is closed. Loopback only, bounded in time and in connection attempts; it
 * stops on SIGTERM or when its parent goes (stdin closes). Every second, and
 * when it stops, it prints one JSON line: `{ open, connects, closedByServer }`.
 *
 * Run with Node's own type stripping: `node flood.mts '<json options>'`.
 */
interface FloodOptions {
  readonly host: string;
  readonly port: number;
  readonly sources: readonly string[];
  readonly connections: number;
  readonly durationMs: number;
  readonly maxConnects: number;
}

const options = JSON.parse(process.argv[2] ?? '{}') as FloodOptions;
if (!/^127\./.test(options.host) || !options.sources.every((source) => /^127\./.test(source))) {
  process.stderr.write('flood: loopback addresses only\n');
  process.exit(2);
}

let open = 0;
let connects = 0;
let closedByServer = 0;
let stopping = false;
const sockets = new Set<Socket>();

function hold(source: string): void {
  if (stopping || connects >= options.maxConnects) return;
  connects++;
  const socket = connect({ host: options.host, port: options.port, localAddress: source });
  sockets.add(socket);
  let connected = false;
  socket.on('connect', () => {
    connected = true;
    open++;
  });
  socket.on('error', () => undefined);
  socket.once('close', () => {
    sockets.delete(socket);
    if (stopping) return;
    if (connected) open--;
    closedByServer++;
    // Replaced at once, as an attacker would; setImmediate only keeps the stack flat.
    setImmediate(() => hold(source));
  });
}

const report = () => process.stdout.write(`${JSON.stringify({ open, connects, closedByServer })}\n`);

function stop(): void {
  if (stopping) return;
  stopping = true;
  for (const socket of sockets) socket.destroy();
  report();
  process.exit(0);
}

for (let i = 0; i < options.connections; i++) hold(options.sources[i % options.sources.length]!);
setInterval(report, 1_000);
setTimeout(stop, options.durationMs);
process.on('SIGTERM', stop);
process.stdin.on('end', stop);
process.stdin.resume();
