// Starts the users frontend on PORT (default 3000), forwarding /api to BACKEND_URL.
import { createApp } from './app.ts';

const port = Number(process.env.PORT ?? 3000);
const host = process.env.HOST ?? '0.0.0.0';
const backendUrl = process.env.BACKEND_URL ?? 'http://localhost:3001';

const server = createApp(backendUrl).listen(port, host, () => {
  process.stdout.write(`${JSON.stringify({ msg: 'users frontend listening', host, port, backendUrl })}\n`);
});
server.on('error', (err) => {
  console.error('frontend: cannot listen', err);
  process.exit(1);
});

for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, () => {
    server.close(() => process.exit(0));
    server.closeIdleConnections();
    setTimeout(() => process.exit(0), 5_000).unref();
  });
}
