import { spawn, spawnSync } from 'node:child_process';
import type { Address } from '@portcullis/manifest';

/** Real TLS peers that share no code with the mesh: curl and openssl s_client. */

export interface CurlIdentity {
  readonly cert?: string;
  readonly key?: string;
  readonly cacert: string;
}

export interface CurlResult {
  /** 0 when curl got no HTTP response at all (refused handshake). */
  readonly status: number;
  readonly body: string;
  readonly exitCode: number;
  readonly stderr: string;
}

function curlArgs(url: string, identity: CurlIdentity, extra: readonly string[]): string[] {
  return [
    '--silent',
    '--show-error',
    '--max-time',
    '10',
    '--cacert',
    identity.cacert,
    ...(identity.cert ? ['--cert', identity.cert] : []),
    ...(identity.key ? ['--key', identity.key] : []),
    '--write-out',
    '\n%{http_code}',
    ...extra,
    url,
  ];
}

function curlResult(stdout: string, exitCode: number | null, stderr: string): CurlResult {
  const lines = stdout.split('\n');
  const status = Number(lines.pop());
  return { status, body: lines.join('\n'), exitCode: exitCode ?? -1, stderr };
}

/** `env`: for curl's own environment (the clock test moves its clock with libfaketime). */
export function curl(url: string, identity: CurlIdentity, extra: readonly string[] = [], env: NodeJS.ProcessEnv = process.env): CurlResult {
  const run = spawnSync('curl', curlArgs(url, identity, extra), { env, encoding: 'utf8' });
  return curlResult(run.stdout, run.status, run.stderr);
}

/** `curl` without blocking the test's event loop, for when something in the test's own process must keep running. */
export function curlAsync(url: string, identity: CurlIdentity, extra: readonly string[] = []): Promise<CurlResult> {
  return new Promise((resolve, reject) => {
    const child = spawn('curl', curlArgs(url, identity, extra), { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('error', reject);
    child.once('close', (code) => resolve(curlResult(stdout, code, stderr)));
  });
}

export function curlJson(
  url: string,
  identity: CurlIdentity,
  body?: unknown,
  extra: readonly string[] = [],
  env: NodeJS.ProcessEnv = process.env,
): CurlResult & { json: unknown } {
  const data = body === undefined ? [] : ['-H', 'content-type: application/json', '--data-binary', JSON.stringify(body)];
  const result = curl(url, identity, [...extra, ...data], env);
  let json: unknown;
  try {
    json = JSON.parse(result.body);
  } catch {
    json = undefined;
  }
  return { ...result, json };
}

export interface SClientResult {
  readonly stdout: string;
  readonly stderr: string;
  /** Whether an HTTP response came back over the connection. */
  readonly answered: boolean;
  /** Whether the server resumed the session given in `session.resume` (only known when `session` is given). */
  readonly resumed: boolean;
}

/** TLS session files for s_client: where to save the session the server hands out, and which one to offer. */
export interface SClientSession {
  readonly save?: string;
  readonly resume?: string;
}

/**
 * Sends one HTTP request through `openssl s_client` and reports what came back.
 * Asynchronous, so that it also works against a server in the test's own process.
 */
export function sClient(
  address: Address,
  servername: string,
  options: { cert?: string; key?: string; cafile: string; extra?: readonly string[]; session?: SClientSession },
  path = '/healthz',
): Promise<SClientResult> {
  const { session } = options;
  const args = [
    's_client',
    // Quiet hides the "New," or "Reused," line that tells whether a session was resumed.
    ...(session ? [] : ['-quiet']),
    ...(session?.save ? ['-sess_out', session.save] : []),
    ...(session?.resume ? ['-sess_in', session.resume] : []),
    // Keep reading after the request is sent, until the server answers or closes.
    '-ign_eof',
    '-connect',
    `${address.host}:${address.port}`,
    '-servername',
    servername,
    '-CAfile',
    options.cafile,
    '-verify_return_error',
    // s_client sends only the first certificate of -cert; -cert_chain adds the intermediate as curl does.
    ...(options.cert ? ['-cert', options.cert, '-cert_chain', options.cert] : []),
    ...(options.key ? ['-key', options.key] : []),
    ...(options.extra ?? []),
  ];
  return new Promise((resolve, reject) => {
    const child = spawn('openssl', args, { stdio: ['pipe', 'pipe', 'pipe'], timeout: 10_000 });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('error', reject);
    child.once('close', () => resolve({ stdout, stderr, answered: /HTTP\/1\.1 \d{3}/.test(stdout), resumed: /^Reused,/m.test(stdout) }));
    // A refused handshake can end openssl before it reads the request (EPIPE): what it printed says what happened.
    child.stdin.on('error', () => undefined);
    child.stdin.end(`GET ${path} HTTP/1.1\r\nHost: ${servername}\r\nConnection: close\r\n\r\n`);
  });
}
