// A hostile "Prometheus" for the issue 18 tests, run as its own process (node fake-prometheus-server.ts):
// it answers /api/v1/query_range with as many series × points as it is told, streamed as it is
// read (8,000 × 2,001 is ~400 MB of JSON, never held whole), and /api/v1/alerts and /api/v1/query
// with huge answers too when told; or drips one byte at a time and never ends. With FAKE_AUTH
// (`user:password`) it wants that basic auth. Control: POST /__mode {…}, GET /__seen.
import http from 'node:http';

interface Mode {
  series: number;
  points: number;
  /** The poll's reads (alerts, up, app_health) answer huge too. */
  hugePoll: boolean;
  /** Every API answer starts, then sends a byte every 200 ms and never ends. */
  drip: boolean;
}

let mode: Mode = { series: 3, points: 10, hugePoll: false, drip: false };
const seen: Array<{ path: string; authorization: string | null; limit: string | null; timeout: string | null }> = [];
const expected = process.env['FAKE_AUTH'] ? `Basic ${Buffer.from(process.env['FAKE_AUTH']).toString('base64')}` : undefined;

/** Writes the chunks one by one, waiting for the socket to drain; stops when the reader has gone. */
async function stream(res: http.ServerResponse, chunks: Iterable<string>): Promise<void> {
  for (const chunk of chunks) {
    if (res.destroyed) return;
    if (!res.write(chunk)) {
      await new Promise<void>((resolve) => {
        const done = () => { res.off('drain', done); res.off('close', done); resolve(); };
        res.on('drain', done);
        res.on('close', done);
      });
    }
  }
  if (!res.destroyed) res.end();
}

function* matrix(series: number, points: number, startS: number, stepS: number): Generator<string> {
  yield '{"status":"success","data":{"resultType":"matrix","result":[';
  for (let s = 0; s < series; s += 1) {
    const values: string[] = [];
    for (let p = 0; p < points; p += 1) values.push(`[${(startS + p * stepS).toFixed(3)},"${(Math.sin(s + p) * 1000).toFixed(6)}"]`);
    yield `${s === 0 ? '' : ','}{"metric":{"__name__":"up","job":"backend","instance":"host-${s}:9100","service":"backend"},"values":[${values.join(',')}]}`;
  }
  yield ']}}';
}

function* alerts(count: number): Generator<string> {
  yield '{"status":"success","data":{"alerts":[';
  for (let i = 0; i < count; i += 1) {
    yield `${i === 0 ? '' : ','}{"labels":{"alertname":"Flood","service":"svc-${i}","padding":"${'x'.repeat(400)}"},"annotations":{},"state":"pending","activeAt":"2026-11-24T10:00:00Z","value":"1e+00"}`;
  }
  yield ']}}';
}

function drip(res: http.ServerResponse): void {
  res.writeHead(200, { 'content-type': 'application/json' });
  res.write('{"status":"success","data":');
  const timer = setInterval(() => { if (res.destroyed) clearInterval(timer); else res.write(' '); }, 200);
  res.on('close', () => clearInterval(timer));
}

const server = http.createServer((req, res) => {
  const url = new URL(req.url ?? '/', 'http://fake');
  if (url.pathname === '/__mode' && req.method === 'POST') {
    let body = '';
    req.on('data', (c: Buffer) => { body += c.toString('utf8'); });
    req.on('end', () => {
      mode = { ...mode, ...(JSON.parse(body) as Partial<Mode>) };
      res.end('{}');
    });
    return;
  }
  if (url.pathname === '/__seen') {
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify(seen));
    return;
  }
  if (url.pathname === '/-/ready') {
    res.end('ready');
    return;
  }
  const authorization = req.headers.authorization ?? null;
  seen.push({ path: url.pathname, authorization, limit: url.searchParams.get('limit'), timeout: url.searchParams.get('timeout') });
  if (expected !== undefined && authorization !== expected) {
    res.writeHead(401, { 'content-type': 'application/json', 'www-authenticate': 'Basic realm="prometheus"' });
    res.end('{"status":"error","errorType":"unauthorized","error":"basic auth required"}');
    return;
  }
  if (mode.drip && url.pathname.startsWith('/api/v1/')) {
    drip(res);
    return;
  }
  const json = (chunks: Iterable<string>) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    void stream(res, chunks);
  };
  switch (url.pathname) {
    case '/api/v1/query_range':
      json(matrix(mode.series, mode.points, Number(url.searchParams.get('start') ?? 0), Number(url.searchParams.get('step') ?? 1)));
      return;
    case '/api/v1/query':
      json(mode.hugePoll ? matrix(mode.series, mode.points, Date.now() / 1000 - 30, 1) : ['{"status":"success","data":{"resultType":"matrix","result":[]}}']);
      return;
    case '/api/v1/alerts':
      json(mode.hugePoll ? alerts(1_000_000) : ['{"status":"success","data":{"alerts":[]}}']);
      return;
    default:
      res.writeHead(404, { 'content-type': 'application/json' });
      res.end('{"status":"error","errorType":"not_found","error":"not found"}');
  }
});

server.listen(Number(process.env['PORT']), '127.0.0.1', () => process.stdout.write('listening\n'));
process.on('SIGTERM', () => { server.closeAllConnections(); server.close(() => process.exit(0)); });
