import { type SourceLocation, TsibleError } from "../errors.js";
import { renderValue, type VarScope } from "../vars/index.js";
import { resolveVaultValues } from "./vault-values.js";

export type VarLayer = Record<string, unknown>;

/** Layers whose values are already rendered (registered results, facts, loop items): never re-rendered. */
const renderedLayers = new WeakSet<VarLayer>();

export function markRendered<T extends VarLayer>(layer: T): T {
  renderedLayers.add(layer);
  return layer;
}

/**
 * Variables seen by one task on one host: layers from lowest to highest precedence.
 * Values are rendered lazily when read, with this same scope, as Ansible does — so a group var
 * may refer to a play var — and a variable defined in terms of itself is reported, not looped on.
 */
export class LayeredScope implements VarScope {
  private readonly cache = new Map<string, unknown>();
  private readonly resolving = new Set<string>();

  constructor(
    private readonly layers: VarLayer[],
    private readonly where?: SourceLocation,
  ) {}

  has(name: string): boolean {
    for (let i = this.layers.length - 1; i >= 0; i--) if (Object.hasOwn(this.layers[i]!, name)) return true;
    return false;
  }

  get(name: string): unknown {
    if (this.cache.has(name)) return this.cache.get(name);
    for (let i = this.layers.length - 1; i >= 0; i--) {
      const layer = this.layers[i]!;
      if (!Object.hasOwn(layer, name)) continue;
      if (this.resolving.has(name)) {
        throw new TsibleError(`recursive loop detected in variable '${name}'`, {
          kind: "undefined",
          ...(this.where ? { location: this.where } : {}),
          hint: "a variable's value refers back to itself",
        });
      }
      this.resolving.add(name);
      try {
        const raw = resolveVaultValues(layer[name]);
        const value = renderedLayers.has(layer) ? raw : renderValue(raw, this, this.where);
        this.cache.set(name, value);
        return value;
      } finally {
        this.resolving.delete(name);
      }
    }
    return undefined;
  }

  /** A scope with one more layer on top (loop items, registered results). */
  with(layer: VarLayer, where?: SourceLocation): LayeredScope {
    return new LayeredScope([...this.layers, layer], where ?? this.where);
  }

  /** Every variable name visible, for `vars` and debugging. */
  names(): string[] {
    const names = new Set<string>();
    for (const layer of this.layers) for (const k of Object.keys(layer)) names.add(k);
    return [...names];
  }

  /** A plain object whose properties render lazily through this scope (for `vars`, `hostvars[h]`). */
  asObject(): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const name of this.names()) {
      Object.defineProperty(out, name, { enumerable: true, configurable: true, get: () => this.get(name) });
    }
    return out;
  }
}
