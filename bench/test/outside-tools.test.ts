import { parseAbOutput } from '../src/tools/ab';
import { parseSTimeOutput } from '../src/tools/s-time';

// What ApacheBench 2.3 and OpenSSL 3.0's s_time printed in real runs against the inventory service.
const AB_SUMMARY = `Server Software:
Server Hostname:        127.0.0.3
Server Port:            8443
SSL/TLS Protocol:       TLSv1.3,TLS_AES_256_GCM_SHA384,2048,256
Document Path:          /inventory
Document Length:        106 bytes

Concurrency Level:      32
Time taken for tests:   3.000 seconds
Complete requests:      75512
Failed requests:        0
Non-2xx responses:      12
Keep-Alive requests:    75512
Requests per second:    25170.58 [#/sec] (mean)
`;
const AB_PERCENTILES = ['Percentage served,Time in ms', ...Array.from({ length: 100 }, (_, i) => `${i},${(0.5 + i / 100).toFixed(3)}`)].join('\n');

describe('reading what the outside load generators print', () => {
  it("reads ab's summary and its percentile file", () => {
    expect(parseAbOutput(AB_SUMMARY, AB_PERCENTILES)).toEqual({ completed: 75512, failed: 0, non2xx: 12, requestsPerSecond: 25170.58, p50Ms: 1, p99Ms: 1.49 });
  });

  it('counts no non-2xx answers when ab leaves that line out', () => {
    expect(parseAbOutput(AB_SUMMARY.replace(/^Non-2xx.*\n/m, ''), AB_PERCENTILES).non2xx).toBe(0);
  });

  it('says what ab printed when it printed no summary', () => {
    expect(() => parseAbOutput('apr_socket_connect(): Connection refused (111)\n', '')).toThrow(/ab printed no "Complete requests": apr_socket_connect/);
  });

  it("counts s_time's connections and the resumed ones", () => {
    const output = [
      'Now timing with session id reuse.',
      'starting',
      'rrrrrrrrrr',
      '',
      '10 connections in 0.01s; 1000.00 connections/user sec, bytes read 1380',
      '10 connections in 1 real seconds, 138 bytes read per connection',
    ].join('\n');
    expect(parseSTimeOutput(output)).toEqual({ connections: 10, resumed: 10 });
    expect(parseSTimeOutput(output.replace('rrrrrrrrrr', '**********'))).toEqual({ connections: 10, resumed: 0 });
  });

  it('refuses an s_time run that read no answers: the server dropped the client certificate', () => {
    const refused =
      '*****\n\n5 connections in 0.01s; 500.00 connections/user sec, bytes read 0\n5 connections in 1 real seconds, 0 bytes read per connection\n';
    expect(() => parseSTimeOutput(refused)).toThrow(/read no response/);
  });
});
