// A binary min-heap of (time, key): which service has the engine's next deadline, in O(log n), so
// neither a tick nor "when to tick next" walks every service. Entries are never updated in place:
// the owner keeps the time it pushed last and skips popped entries that no longer match it.

export interface HeapEntry {
  readonly at: number;
  readonly key: string;
}

export class DeadlineHeap {
  private items: HeapEntry[] = [];

  get size(): number {
    return this.items.length;
  }

  push(at: number, key: string): void {
    const items = this.items;
    items.push({ at, key });
    let i = items.length - 1;
    while (i > 0) {
      const parent = (i - 1) >>> 1;
      const p = items[parent] as HeapEntry;
      const c = items[i] as HeapEntry;
      if (p.at <= c.at) break;
      items[parent] = c;
      items[i] = p;
      i = parent;
    }
  }

  peek(): HeapEntry | undefined {
    return this.items[0];
  }

  pop(): HeapEntry | undefined {
    const items = this.items;
    const top = items[0];
    const last = items.pop();
    if (top === undefined || last === undefined || items.length === 0) return top;
    items[0] = last;
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      const right = left + 1;
      let smallest = i;
      if (left < items.length && (items[left] as HeapEntry).at < (items[smallest] as HeapEntry).at) smallest = left;
      if (right < items.length && (items[right] as HeapEntry).at < (items[smallest] as HeapEntry).at) smallest = right;
      if (smallest === i) break;
      const a = items[i] as HeapEntry;
      items[i] = items[smallest] as HeapEntry;
      items[smallest] = a;
      i = smallest;
    }
    return top;
  }

  /** Rebuilds the heap from the entries still wanted (drops stale ones that piled up). */
  rebuild(entries: Iterable<HeapEntry>): void {
    this.items = [];
    for (const e of entries) this.push(e.at, e.key);
  }
}
