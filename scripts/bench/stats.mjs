/** Small statistics and timing helpers for the benchmark. */

export function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Milliseconds, rounded to what a reader can use. */
export function round(ms, digits = 2) {
  const f = 10 ** digits;
  return Math.round(ms * f) / f;
}

export function nowMs() {
  return Number(process.hrtime.bigint()) / 1e6;
}

/** Runs `fn` `count` times one after another; the median duration in ms. */
export async function medianOf(count, fn) {
  const times = [];
  for (let i = 0; i < count; i++) {
    const start = nowMs();
    await fn();
    times.push(nowMs() - start);
  }
  return median(times);
}
