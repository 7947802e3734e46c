// A typed fan-out of server events from the connection store to the stores that keep the data
// (incidents, timeline, containers). Components never subscribe: stores do.

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type EventMap = Record<string, (...args: any[]) => void>;

export interface Relay<E extends EventMap> {
  on<K extends keyof E>(event: K, handler: E[K]): () => void;
  emit<K extends keyof E>(event: K, ...args: Parameters<E[K]>): void;
  clear(): void;
}

/** A failing handler is reported and does not stop the others. */
export function createRelay<E extends EventMap>(onError: (err: unknown) => void = () => undefined): Relay<E> {
  const handlers = new Map<keyof E, Set<E[keyof E]>>();
  return {
    on(event, handler) {
      let set = handlers.get(event);
      if (!set) {
        set = new Set();
        handlers.set(event, set);
      }
      set.add(handler);
      return () => { set.delete(handler); };
    },
    emit(event, ...args) {
      for (const h of handlers.get(event) ?? []) {
        try {
          h(...args);
        } catch (err) {
          onError(err);
        }
      }
    },
    clear() { handlers.clear(); },
  };
}
