/**
 * What expressions read variables from. The engine layers scopes by precedence; a value fetched
 * through a scope may be rendered lazily by the scope itself.
 */
export interface VarScope {
  has(name: string): boolean;
  get(name: string): unknown;
  /** The names it holds, when it can tell (used for "did you mean" hints and iteration). */
  names?(): Iterable<string>;
}

/** A scope over a plain object's own properties. */
export function scopeFromObject(vars: Record<string, unknown>): VarScope {
  return {
    has: (name) => Object.hasOwn(vars, name),
    get: (name) => (Object.hasOwn(vars, name) ? vars[name] : undefined),
    names: () => Object.keys(vars),
  };
}

/** Scopes searched in order: the first that has a name wins. */
export function layeredScope(...layers: VarScope[]): VarScope {
  return {
    has: (name) => layers.some((layer) => layer.has(name)),
    get: (name) => layers.find((layer) => layer.has(name))?.get(name),
    names: () => {
      const all = new Set<string>();
      for (const layer of layers) for (const name of layer.names?.() ?? []) all.add(name);
      return all;
    },
  };
}

/**
 * A mapping whose entries are looked up on demand (e.g. `hostvars`): expressions treat it like a
 * dict (`hostvars['web'].x`, `'web' in hostvars`) without the engine building it eagerly.
 */
export class LazyMapping {
  constructor(readonly scope: VarScope) {}
}

export function mappingFromScope(scope: VarScope): LazyMapping {
  return new LazyMapping(scope);
}
