// Does this Node's https server keep native memory for every client-certificate handshake?
// A plain node:https server that asks for client certificates, and a client that makes one
// request per new connection; the server prints its RSS every 5,000 connections.
//
//   node bench/scripts/mtls-handshake-leak.mjs <server dir> <client dir> [connections]
//
// Each dir holds tls.crt (leaf + intermediate), tls.key and ca.crt, e.g. certs/gateway and
// certs/demo-client after `pnpm mesh certs`. Node 24.21 grows about 6 KB per connection without
// levelling off; Node 22.23 and 26.10 level off (README, "Memory").
import { fork } from 'node:child_process';
import { readFileSync } from 'node:fs';
import https from 'node:https';

const [serverDir, clientDir, total = '45000'] = process.argv.slice(2);
const files = (dir) => ({ cert: readFileSync(`${dir}/tls.crt`), key: readFileSync(`${dir}/tls.key`), ca: readFileSync(`${dir}/ca.crt`) });

if (process.env.LEAK_SERVER) {
  let served = 0;
  const server = https.createServer({ ...files(serverDir), requestCert: true, rejectUnauthorized: true }, (req, res) => {
    res.end('ok');
    if (++served % 5000 === 0) process.send({ served, rssMb: Math.round(process.memoryUsage().rss / 2 ** 20) });
  });
  server.listen(0, '127.0.0.1', () => process.send({ port: server.address().port }));
} else {
  const server = fork(process.argv[1], process.argv.slice(2), { env: { ...process.env, LEAK_SERVER: '1' } });
  const { port } = await new Promise((resolve) => server.once('message', resolve));
  server.on('message', ({ served, rssMb }) => console.log(`node ${process.version}: ${served} connections, server RSS ${rssMb} MB`));
  const client = { ...files(clientDir), agent: false, checkServerIdentity: () => undefined };
  const once = () =>
    new Promise((resolve, reject) => https.get({ host: '127.0.0.1', port, ...client }, (res) => res.resume().on('end', resolve)).on('error', reject));
  for (let i = 0; i < Number(total); i += 8) await Promise.all(Array.from({ length: 8 }, once));
  await new Promise((resolve) => setTimeout(resolve, 200));
  server.kill();
}
