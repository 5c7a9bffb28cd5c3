/** Bounds the channels open at once on one connection; the rest wait in order. */

export class ChannelLimit {
  private active = 0;
  private readonly waiting: Array<{ grant: () => void; fail: (err: unknown) => void }> = [];
  private failure: unknown;

  constructor(private readonly max: number) {}

  /** Resolves with a release function once a channel may be opened. */
  acquire(signal?: AbortSignal): Promise<() => void> {
    if (this.failure !== undefined) return Promise.reject(this.failure);
    signal?.throwIfAborted();
    if (this.active < this.max) {
      this.active++;
      return Promise.resolve(this.releaser());
    }
    return new Promise((resolve, reject) => {
      const waiter = {
        grant: () => {
          signal?.removeEventListener("abort", onAbort);
          this.active++;
          resolve(this.releaser());
        },
        fail: (err: unknown) => {
          signal?.removeEventListener("abort", onAbort);
          reject(err);
        },
      };
      const onAbort = () => {
        const i = this.waiting.indexOf(waiter);
        if (i >= 0) this.waiting.splice(i, 1);
        reject(signal?.reason);
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      this.waiting.push(waiter);
    });
  }

  /** Fails every waiter and every later acquire with `err` (the connection is gone). */
  failAll(err: unknown): void {
    this.failure = err;
    for (const waiter of this.waiting.splice(0)) waiter.fail(err);
  }

  private releaser(): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.active--;
      this.waiting.shift()?.grant();
    };
  }
}
