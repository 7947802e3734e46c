// The live state of every source (each Docker endpoint, Prometheus…) and of the store:
// what /readyz reports, what the UI banner shows, and what `source:status` streams.
import { EventEmitter } from 'node:events';
import type { SourceState, SourceStatus } from './contract/index.ts';
import { redactUrl, redactUrlsInText } from './redact-url.ts';

export class StatusBoard extends EventEmitter<{ change: [SourceStatus] }> {
  private readonly statuses = new Map<string, SourceStatus>();

  private key(source: string, host?: string): string {
    return host === undefined ? source : `${source}@${host}`;
  }

  /**
   * Records a state; emits `change` only when the state or detail actually changed. Everything here
   * is shown to anyone (/readyz has no auth): a host that is a URL and URLs in the detail lose their
   * credentials, whatever the source handed in.
   */
  set(source: string, rawHost: string | undefined, state: SourceState, rawDetail?: string): boolean {
    const host = rawHost === undefined ? undefined : redactUrl(rawHost);
    const detail = rawDetail === undefined ? undefined : redactUrlsInText(rawDetail);
    const key = this.key(source, host);
    const prev = this.statuses.get(key);
    if (prev && prev.state === state && prev.detail === detail) return false;
    const next: SourceStatus = {
      source, state,
      ...(host !== undefined ? { host } : {}),
      ...(detail !== undefined ? { detail } : {}),
      since: prev && prev.state === state ? prev.since : new Date().toISOString(),
    };
    this.statuses.set(key, next);
    this.emit('change', next);
    return true;
  }

  list(): SourceStatus[] {
    return [...this.statuses.values()];
  }
}
