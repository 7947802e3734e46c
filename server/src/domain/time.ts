// Time in the engine: ISO-8601 UTC strings with milliseconds outside, epoch milliseconds inside.

export function toMs(iso: string): number {
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) throw new RangeError(`not an ISO-8601 time: ${iso}`);
  return ms;
}

export function toIso(ms: number): string {
  return new Date(ms).toISOString();
}

/** Durations the way a person says them: "500 ms", "1 s", "1.25 s", "2 min 5 s", "1 h 3 min". */
export function formatDuration(ms: number): string {
  const abs = Math.max(0, Math.round(ms));
  if (abs < 1_000) return `${abs} ms`;
  const seconds = Number((abs / 1_000).toFixed(2));
  if (seconds < 60) return `${seconds} s`;
  if (abs < 3_599_500) {
    const whole = Math.round(abs / 1_000);
    const rest = whole % 60;
    return rest === 0 ? `${whole / 60} min` : `${Math.floor(whole / 60)} min ${rest} s`;
  }
  const minutes = Math.round(abs / 60_000);
  const rest = minutes % 60;
  return rest === 0 ? `${minutes / 60} h` : `${Math.floor(minutes / 60)} h ${rest} min`;
}
