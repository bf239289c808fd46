/**
 * The smallest Node server that can answer the same bytes: no framework, no
 * routing, no authorization. Against it the load generator shows its own
 * ceiling. Run as a process: `node bare-server.js http|https <host> <port> <body> [certDir]`;
 * with https it asks for a client certificate that chains to the mesh bundle.
 */
import { readFileSync } from 'node:fs';
import { createServer as createHttpServer, type RequestListener } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { join } from 'node:path';

const [mode, host, port, body, certDir] = process.argv.slice(2) as [string, string, string, string, string | undefined];
const length = String(Buffer.byteLength(body));
const answer: RequestListener = (_request, response) => {
  response.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': length });
  response.end(body);
};
const server =
  mode === 'https'
    ? createHttpsServer(
        {
          key: readFileSync(join(certDir!, 'tls.key')),
          cert: readFileSync(join(certDir!, 'tls.crt')),
          ca: readFileSync(join(certDir!, 'ca.crt')),
          requestCert: true,
          rejectUnauthorized: true,
          minVersion: 'TLSv1.3',
        },
        answer,
      )
    : createHttpServer(answer);
server.keepAliveTimeout = 5_000;
server.listen(Number(port), host);
process.once('SIGTERM', () => server.close(() => process.exit(0)));
