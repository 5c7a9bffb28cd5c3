/**
 * Runs `work` over `items` with at most `limit` running at once, in item order. Once `stopping`
 * says so, no further item starts; those already started finish.
 */
export async function runPool<T>(
  items: readonly T[],
  limit: number,
  work: (item: T) => Promise<void>,
  stopping: () => boolean = () => false,
): Promise<void> {
  let next = 0;
  const lanes = Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, async () => {
    while (next < items.length && !stopping()) {
      const item = items[next++]!;
      await work(item);
    }
  });
  await Promise.all(lanes);
}
