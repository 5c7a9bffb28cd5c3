import { copyLocations } from "../load/locations.js";

/**
 * The value of `omit`: a module argument whose value renders to it is dropped, as in Ansible
 * (`mode: "{{ file_mode | default(omit) }}"`).
 */
export const OMIT: unique symbol = Symbol.for("tsible.omit");
export type Omit = typeof OMIT;

export function isOmit(value: unknown): value is Omit {
  return value === OMIT;
}

/** Removes omitted entries from maps and lists, recursively (what Ansible does to module args). */
export function stripOmitted(value: unknown): unknown {
  if (Array.isArray(value)) {
    const out = value.filter((v) => v !== OMIT).map(stripOmitted);
    copyLocations(value, out);
    return out;
  }
  if (value !== null && typeof value === "object" && Object.getPrototypeOf(value) === Object.prototype) {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) if (item !== OMIT) out[key] = stripOmitted(item);
    copyLocations(value, out);
    return out;
  }
  return value;
}
