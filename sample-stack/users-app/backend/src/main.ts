// Starts the users backend on PORT (default 3001); finishes in-flight requests on SIGTERM.
import { createApp } from './app.ts';

const port = Number(process.env.PORT ?? 3001);
const host = process.env.HOST ?? '0.0.0.0';

const server = createApp().listen(port, host, () => {
  process.stdout.write(`${JSON.stringify({ msg: 'users backend listening', host, port })}\n`);
});
server.on('error', (err) => {
  console.error('backend: cannot listen', err);
  process.exit(1);
});

for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, () => {
    server.close(() => process.exit(0));
    // Idle keep-alive sockets would hold close() open; a stop must not wait for Docker's 10 s kill.
    server.closeIdleConnections();
    setTimeout(() => process.exit(0), 5_000).unref();
  });
}
