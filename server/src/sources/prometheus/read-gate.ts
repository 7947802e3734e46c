// At most a few chart reads from Prometheus at once, a bounded line behind them: each read may hold
// up to its budget in memory while it is parsed, and Prometheus pays for every query it evaluates.

export class ReadGateFullError extends Error {
  override name = 'ReadGateFullError';
}

export class ReadGate {
  private readonly concurrency: number;
  private readonly maxWaiting: number;
  private active = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(concurrency: number, maxWaiting: number) {
    this.concurrency = concurrency;
    this.maxWaiting = maxWaiting;
  }

  /** Runs `work` when a place is free; throws ReadGateFullError when the line is full already. */
  async run<T>(work: () => Promise<T>): Promise<T> {
    if (this.active < this.concurrency) {
      this.active += 1;
    } else {
      if (this.waiting.length >= this.maxWaiting) throw new ReadGateFullError('too many chart reads waiting');
      // The place is handed over by the read that ends, so `active` stays as it is.
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    }
    try {
      return await work();
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.active -= 1;
    }
  }
}
