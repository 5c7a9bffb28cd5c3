import type { JsonSchema } from "../types.js";

const TRUE_WORDS = ["yes", "on", "1", "true", "y", "t"];
const FALSE_WORDS = ["no", "off", "0", "false", "n", "f"];
/** yes, YES, Yes, ...: the spellings Ansible's case-insensitive check accepts in practice. */
const BOOLEAN_SPELLINGS = [
  ...new Set(
    [...TRUE_WORDS, ...FALSE_WORDS].flatMap((w) => [w, w.toUpperCase(), w[0]!.toUpperCase() + w.slice(1)]),
  ),
];

/**
 * A boolean option as Ansible accepts it: YAML booleans, 0/1, and words such as yes/no/on/off in any
 * case (they arrive as text from `key=value` arguments).
 */
export function booleanOption(description?: string): JsonSchema {
  return {
    ...(description ? { description } : {}),
    anyOf: [
      { type: "boolean" },
      { type: "integer", enum: [0, 1] },
      { type: "string", enum: BOOLEAN_SPELLINGS },
    ],
  };
}

/** An integer option, also accepted as digits in text (`verbosity=2`). */
export function integerOption(description?: string): JsonSchema {
  return {
    ...(description ? { description } : {}),
    anyOf: [{ type: "integer" }, { type: "string", pattern: "^-?[0-9]+$" }],
  };
}

export function stringOption(description?: string): JsonSchema {
  return { type: "string", ...(description ? { description } : {}) };
}

/** A `mode:` option: octal or symbolic text, or an integer (YAML 1.1 reads `0644` as 420). */
export const modeOption: JsonSchema = {
  description: "permissions: '0644', 'u=rw,g=r,o=r' or 'u+x'",
  anyOf: [{ type: "string" }, { type: "integer", minimum: 0 }],
};

/** `owner`, `group` and `mode`, shared by every module that writes a file. */
export const fileAttributeOptions: Record<string, JsonSchema> = {
  mode: modeOption,
  owner: stringOption("user name (or uid) that should own the file"),
  group: stringOption("group name (or gid) that should own the file"),
};

/** Reads a value accepted by {@link booleanOption}; `fallback` when it is absent. */
export function toBool(value: unknown, fallback: boolean): boolean {
  if (value === undefined || value === null) return fallback;
  if (typeof value === "boolean") return value;
  if (typeof value === "number") return value !== 0;
  return TRUE_WORDS.includes(String(value).toLowerCase());
}

export function toInt(value: unknown, fallback: number): number {
  if (value === undefined || value === null) return fallback;
  return typeof value === "number" ? value : Number.parseInt(String(value), 10);
}

/** The value of the first of an option's names (its aliases) that was given. */
export function aliased<T>(args: Record<string, unknown>, ...names: string[]): T | undefined {
  for (const name of names) if (args[name] !== undefined && args[name] !== null) return args[name] as T;
  return undefined;
}

/** Owner/group given as numbers in YAML still name ids: keep them as text. */
export function ownerText(value: unknown): string | undefined {
  return value === undefined || value === null ? undefined : String(value);
}
