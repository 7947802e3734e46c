// One observed fact from a source, normalized. Sources produce these; the engine consumes them.
import type { EntrySource } from '../contract/index.ts';

/** A signal's source is the one its timeline entry names. */
export type SignalSource = EntrySource;

export interface Signal {
  /** Stable id for de-duplication: the same observed fact always gets the same id. */
  id: string;
  source: SignalSource;
  /** Docker endpoint name, or the Prometheus/Alertmanager instance. */
  host: string;
  /** ISO-8601 UTC with milliseconds: when the fact happened, per the source. */
  at: string;
  /** e.g. `container.die`, `alert.firing`. */
  kind: string;
  service?: string;
  container?: string;
  attributes: Record<string, unknown>;
  raw: unknown;
  /** When Vigil stored it; set by the store. */
  receivedAt?: string;
}
