// Which containers Vigil itself is restarting right now, so the kill, die and stop a restart causes
// are known as asked for — by the events' order on the stream, not by clocks: such a death comes
// before the restart's own `start`, while a crash of the restarted process comes after it.
import { KIND } from '../domain/index.ts';
import type { Signal } from '../domain/index.ts';
import type { ActionTracker } from '../sources/docker/index.ts';

/** If Docker never reports the start (the restart failed oddly), the entry still goes away. */
const FORGET_AFTER_MS = 60_000;
/** After a failed restart, events already on their way may still be its effect. */
const FAILED_GRACE_MS = 2_000;

interface OpenAction {
  actionId: string;
  actor: string;
  timer: NodeJS.Timeout;
}

export class ActionLedger implements ActionTracker {
  private readonly open = new Map<string, OpenAction>();

  private key(host: string, containerId: string): string {
    return `${host}/${containerId}`;
  }

  /** The action in flight on this container, if any. */
  current(host: string, containerId: string): { actionId: string; actor: string } | undefined {
    const a = this.open.get(this.key(host, containerId));
    return a === undefined ? undefined : { actionId: a.actionId, actor: a.actor };
  }

  /** Before Vigil asks Docker for anything. False when another action on the container is in flight. */
  begin(host: string, containerId: string, actionId: string, actor: string): boolean {
    const key = this.key(host, containerId);
    if (this.open.has(key)) return false;
    const timer = setTimeout(() => this.forget(key, actionId), FORGET_AFTER_MS);
    timer.unref();
    this.open.set(key, { actionId, actor, timer });
    return true;
  }

  /** Docker answered. A success waits for its `start`; a failure lingers briefly for stragglers. */
  finished(host: string, containerId: string, actionId: string, ok: boolean): void {
    if (ok) return;
    const key = this.key(host, containerId);
    const a = this.open.get(key);
    if (a?.actionId !== actionId) return;
    clearTimeout(a.timer);
    a.timer = setTimeout(() => this.forget(key, actionId), FAILED_GRACE_MS);
    a.timer.unref();
  }

  observe(host: string, signal: Signal): string | undefined {
    if (signal.container === undefined) return undefined;
    const key = this.key(host, signal.container);
    const a = this.open.get(key);
    if (a === undefined) return undefined;
    if (signal.kind === KIND.start || signal.kind === KIND.destroy) {
      // The restart's effect is complete: what happens to the container from now on is its own doing.
      this.forget(key, a.actionId);
      return undefined;
    }
    return signal.kind === KIND.kill || signal.kind === KIND.die || signal.kind === KIND.stop ? a.actor : undefined;
  }

  private forget(key: string, actionId: string): void {
    const a = this.open.get(key);
    if (a?.actionId !== actionId) return;
    clearTimeout(a.timer);
    this.open.delete(key);
  }

  close(): void {
    for (const a of this.open.values()) clearTimeout(a.timer);
    this.open.clear();
  }
}
