import { isDict, plainValue } from "../expr/values.js";
import type { VarScope } from "../scope.js";

/**
 * The variables of one level of a template: the root, or one iteration of `{% for %}`, which
 * holds the loop variables and `loop`, plus whatever `{% set %}` assigns there (as in Jinja,
 * a `set` inside a loop does not leak out of it).
 */
export class Frame implements VarScope {
  private readonly own = new Map<string, unknown>();

  constructor(private readonly parent: VarScope | undefined) {}

  set(name: string, value: unknown): void {
    this.own.set(name, value);
  }

  has(name: string): boolean {
    return this.own.has(name) || (this.parent?.has(name) ?? false);
  }

  get(name: string): unknown {
    return this.own.has(name) ? this.own.get(name) : this.parent?.get(name);
  }

  names(): Iterable<string> {
    return new Set([...this.own.keys(), ...(this.parent?.names?.() ?? [])]);
  }
}

const frames = new WeakMap<object, Frame>();

/**
 * The object Handlebars sees as the context for a frame: its own lookups (`{{json x}}`, `{{#each
 * xs}}`) read the frame's variables through the proxy, and our helpers find the frame again.
 */
export function contextFor(frame: Frame): object {
  const proxy = new Proxy(Object.create(null) as object, {
    get: (_target, key) =>
      typeof key === "string" && frame.has(key) ? plainValue(frame.get(key)) : undefined,
    has: (_target, key) => typeof key === "string" && frame.has(key),
    getOwnPropertyDescriptor: (_target, key) =>
      typeof key === "string" && frame.has(key)
        ? { value: plainValue(frame.get(key)), writable: true, enumerable: true, configurable: true }
        : undefined,
    ownKeys: () => [...frame.names()],
    set: () => false,
    defineProperty: () => false,
    deleteProperty: () => false,
  });
  frames.set(proxy, frame);
  return proxy;
}

/**
 * The scope an expression inside a template reads: the frame of the context, or inside a
 * Handlebars `{{#each}}`/`{{#with}}` the current item (its keys and `this`) over the root frame.
 */
export function scopeForContext(context: unknown, root: Frame): Frame {
  if (context !== null && typeof context === "object") {
    const frame = frames.get(context);
    if (frame) return frame;
  }
  const item = new Frame(root);
  if (isDict(context)) for (const [key, value] of Object.entries(context)) item.set(key, value);
  item.set("this", context);
  return item;
}
