// Vigil's own metrics in Prometheus exposition (/metrics), on a registry per app instance.
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'vigil_' });
  return {
    registry,
    httpRequests: new Counter({
      name: 'vigil_http_requests_total', help: 'HTTP requests answered', labelNames: ['method', 'route', 'status'] as const, registers: [registry],
    }),
    httpDuration: new Histogram({
      name: 'vigil_http_request_duration_seconds', help: 'HTTP request duration', labelNames: ['method', 'route'] as const,
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5], registers: [registry],
    }),
    sourceUp: new Gauge({
      name: 'vigil_source_up', help: '1 when Vigil reaches the source', labelNames: ['source', 'host'] as const, registers: [registry],
    }),
    storeUp: new Gauge({ name: 'vigil_store_up', help: '1 when the store answers', registers: [registry] }),
    socketClients: new Gauge({ name: 'vigil_socket_clients', help: 'Connected socket.io clients', registers: [registry] }),
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
