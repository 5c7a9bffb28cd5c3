import { InventoryData } from "./data.js";
import { Inventory } from "./inventory.js";
import { readSource } from "./sources.js";
import { type Decrypt, VarsFiles } from "./vars-files.js";

export { Inventory } from "./inventory.js";
export { inventoryAsGraph, inventoryAsList } from "./list.js";
export type { Decrypt } from "./vars-files.js";

export interface LoadInventoryOptions {
  /** Decrypts whole-file vault texts (inventory or vars files starting with `$ANSIBLE_VAULT;`). */
  decrypt?: Decrypt;
}

/**
 * Reads `-i` sources in order (YAML/INI files, folders, `a,b,` host lists) with their
 * group_vars/ and host_vars/, and checks every vars file now so errors surface before a run.
 */
export function loadInventory(sources: string[], opts: LoadInventoryOptions = {}): Inventory {
  const data = new InventoryData();
  const varsFiles = new VarsFiles(opts.decrypt);
  const read = sources.map((source) => readSource(source, data, opts.decrypt));
  data.reconcile();
  const inventory = new Inventory(data, read, varsFiles);
  for (const group of inventory.groups()) inventory.groupVars(group);
  for (const host of inventory.hosts()) inventory.hostVars(host);
  return inventory;
}
