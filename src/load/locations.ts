import type { SourceLocation } from "../errors.js";

/** Source positions of a YAML map or list: the node itself, each key, and each value (or item). */
export interface NodeLocations {
  at: SourceLocation;
  keys: Map<string, SourceLocation>;
  /** For lists the key is the item's index as a string. */
  values: Map<string, SourceLocation>;
}

const table = new WeakMap<object, NodeLocations>();

export function recordLocations(node: object, locations: NodeLocations): void {
  table.set(node, locations);
}

/** Everything recorded for a map or list, as recorded (parsed-codec.ts stores it). */
export function recordedLocations(node: object): NodeLocations | undefined {
  return table.get(node);
}

/** Where a loaded map/list starts, or where one of its entries' values starts. */
export function locationOf(node: unknown, key?: string | number): SourceLocation | undefined {
  if (node === null || typeof node !== "object") return undefined;
  const locations = table.get(node);
  if (!locations) return undefined;
  if (key === undefined) return locations.at;
  return locations.values.get(String(key)) ?? locations.at;
}

/** Where a map's key is written (for "unknown keyword" errors). */
export function keyLocationOf(node: unknown, key: string): SourceLocation | undefined {
  if (node === null || typeof node !== "object") return undefined;
  const locations = table.get(node);
  return locations?.keys.get(key) ?? locations?.at;
}

/** Gives a derived object (a copy, a normalised form) the positions of the node it came from. */
export function copyLocations(from: object, to: object): void {
  const locations = table.get(from);
  if (locations) table.set(to, locations);
}
