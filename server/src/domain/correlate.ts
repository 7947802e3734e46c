// Which (service, host) a signal belongs to: at most one incident is active per such key.
import type { EngineOptions } from './options.ts';
import type { Signal } from './signal.ts';

export interface CorrelationKey {
  key: string;
  service: string;
  host: string;
}

/** null for a signal that names no service: the engine has nowhere to put it. */
export function correlationKey(signal: Signal, options: EngineOptions): CorrelationKey | null {
  const service = signal.service;
  if (service === undefined || service === '') return null;
  const host = signal.source === 'alertmanager' || signal.source === 'prometheus'
    ? monitoringHost(signal, service, options)
    : signal.host;
  return { key: `${host}\u0000${service}`, service, host };
}

function monitoringHost(signal: Signal, service: string, options: EngineOptions): string {
  const labels = signal.attributes['labels'];
  if (typeof labels === 'object' && labels !== null) {
    const value: unknown = (labels as Record<string, unknown>)[options.hostLabel];
    if (typeof value === 'string' && value !== '') return value;
  }
  return options.serviceHosts[service] ?? options.defaultHost ?? signal.host;
}
