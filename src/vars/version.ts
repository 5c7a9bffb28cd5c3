import { TsibleError } from "../errors.js";

/** LooseVersion's parts: runs of digits (as numbers) and of letters; dots only separate. */
function parts(version: string): Array<number | string> {
  return (version.match(/\d+|[a-zA-Z]+/g) ?? []).map((part) => (/^\d+$/.test(part) ? Number(part) : part));
}

/** Compares two versions as Ansible's default (loose) version test does: 1.10 > 1.9, 1.0 < 1.0a. */
export function compareVersions(a: string, b: string): number {
  const left = parts(a);
  const right = parts(b);
  for (let i = 0; i < Math.min(left.length, right.length); i++) {
    const x = left[i]!;
    const y = right[i]!;
    if (x === y) continue;
    if (typeof x === typeof y) return x < y ? -1 : 1;
    // A number sorts before letters, so 1.0 < 1.0a-style suffixes compare sensibly.
    return typeof x === "number" ? -1 : 1;
  }
  return left.length - right.length;
}

const OPERATORS: Record<string, (order: number) => boolean> = {
  "==": (o) => o === 0,
  "=": (o) => o === 0,
  eq: (o) => o === 0,
  "!=": (o) => o !== 0,
  "<>": (o) => o !== 0,
  ne: (o) => o !== 0,
  "<": (o) => o < 0,
  lt: (o) => o < 0,
  "<=": (o) => o <= 0,
  le: (o) => o <= 0,
  ">": (o) => o > 0,
  gt: (o) => o > 0,
  ">=": (o) => o >= 0,
  ge: (o) => o >= 0,
};

export function versionTest(value: string, version: string, operator: string): boolean {
  const check = Object.hasOwn(OPERATORS, operator) ? OPERATORS[operator] : undefined;
  if (!check) {
    throw new TsibleError(`version test: unknown operator '${operator}'`, {
      kind: "expression",
      hint: `use one of ${Object.keys(OPERATORS).join(" ")}`,
    });
  }
  return check(compareVersions(value, version));
}
