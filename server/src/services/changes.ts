// Reading changes (container.change signals) as `GET /api/changes` answers them: newest first, in
// pages with signed cursors.
import type { Change, Page } from '../contract/index.ts';
import { KIND, attrString } from '../domain/kinds.ts';
import type { Signal } from '../domain/signal.ts';
import { CursorSigner } from '../store/cursor.ts';
import { SettingKeys } from '../store/keys.ts';
import { InvalidCursorError, type Store } from '../store/types.ts';

export interface ChangeQuery {
  service?: string | undefined;
  host?: string | undefined;
  from?: string | undefined;
  to?: string | undefined;
  limit: number;
  cursor?: string | undefined;
}

function strings(value: unknown): string[] | undefined {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : undefined;
}

/** A stored `container.change` signal as the API lists it. */
export function changeOf(signal: Signal): Change {
  const optional: Record<string, unknown> = {
    containerName: attrString(signal, 'name'),
    oldContainerId: attrString(signal, 'oldContainerId'),
    oldContainerName: attrString(signal, 'oldName'),
    oldImage: attrString(signal, 'oldImage'),
    newImage: attrString(signal, 'newImage'),
    oldImageId: attrString(signal, 'oldImageId'),
    newImageId: attrString(signal, 'newImageId'),
    oldDigests: strings(signal.attributes['oldDigests']),
    newDigests: strings(signal.attributes['newDigests']),
    changedBy: attrString(signal, 'changedBy'),
    revision: attrString(signal, 'revision'),
    project: attrString(signal, 'project'),
    composeService: attrString(signal, 'composeService'),
    swarmService: attrString(signal, 'swarmService'),
  };
  const change: Change = {
    id: signal.id,
    at: signal.at,
    service: signal.service ?? '',
    host: signal.host,
    containerId: signal.container ?? attrString(signal, 'containerId') ?? '',
    changed: strings(signal.attributes['changed']) ?? [],
  };
  for (const [k, v] of Object.entries(optional)) if (v !== undefined) Reflect.set(change, k, v);
  return change;
}

export class ChangeQueries {
  private readonly store: Store;
  private readonly cursors: CursorSigner;

  constructor(deps: { store: Store }) {
    this.store = deps.store;
    this.cursors = new CursorSigner(new SettingKeys(deps.store.settings));
  }

  async list(q: ChangeQuery): Promise<Page<Change>> {
    // A cursor belongs to its list: the same filters.
    const scope = `changes ${JSON.stringify([q.service ?? null, q.host ?? null, q.from ?? null, q.to ?? null])}`;
    const position = q.cursor === undefined ? undefined : await this.cursors.open(q.cursor, scope);
    const before = position === undefined ? undefined : decodePosition(position);
    const signals = await this.store.signals.listKind({
      kind: KIND.change, limit: q.limit + 1,
      ...(q.service === undefined ? {} : { service: q.service }),
      ...(q.host === undefined ? {} : { host: q.host }),
      ...(q.from === undefined ? {} : { from: q.from }),
      ...(q.to === undefined ? {} : { to: q.to }),
      ...(before === undefined ? {} : { before }),
    });
    const items = signals.slice(0, q.limit);
    const last = items.at(-1);
    const nextCursor = signals.length > q.limit && last !== undefined
      ? await this.cursors.sign(Buffer.from(JSON.stringify([last.at, last.id])).toString('base64url'), scope)
      : null;
    return { items: items.map(changeOf), nextCursor };
  }

  /** The change with this id; null when there is none. */
  async get(id: string): Promise<Change | null> {
    const signal = await this.store.signals.get(id);
    return signal === null || signal.kind !== KIND.change ? null : changeOf(signal);
  }
}

function decodePosition(position: string): { at: string; id: string } {
  try {
    const value: unknown = JSON.parse(Buffer.from(position, 'base64url').toString('utf8'));
    if (Array.isArray(value) && typeof value[0] === 'string' && typeof value[1] === 'string') return { at: value[0], id: value[1] };
  } catch {
    // falls through to the refusal
  }
  throw new InvalidCursorError('the cursor is damaged; start again without a cursor');
}
