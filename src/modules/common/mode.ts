import { TsibleError } from "../../errors.js";

/**
 * A mode as written by the user, resolved against a path's current mode: octal strings ('0644',
 * '644'), integers (YAML 1.1 reads `0644` as 420) and chmod's symbolic form ('u=rw,g=r,o=r', 'u+x',
 * 'a-w', 'u=rwX'). `umask` is only used by symbolic clauses without a who (`+x`), as chmod does.
 */
export type ModeResolver = (current: number, isDirectory: boolean, umask: number) => number;

const PERM_BITS = 0o7777;
const EXEC_BITS = 0o111;

/** Parses a `mode:` argument once; throws a TsibleError (kind "module") for malformed modes. */
export function parseMode(value: unknown): ModeResolver {
  if (typeof value === "number") {
    if (!Number.isInteger(value) || value < 0 || value > PERM_BITS) throw badMode(value);
    return () => value;
  }
  if (typeof value !== "string" || value.trim() === "") throw badMode(value);
  const text = value.trim();
  const octal = /^(?:0o)?([0-7]{1,5})$/i.exec(text);
  if (octal) {
    const bits = Number.parseInt(octal[1]!, 8);
    if (bits > PERM_BITS) throw badMode(value, "only permission bits are allowed");
    return () => bits;
  }
  const clauses = text.split(",").map((clause) => parseClause(clause, value));
  return (current, isDirectory, umask) => {
    const original = current & PERM_BITS;
    let mode = original;
    for (const clause of clauses) {
      for (const step of clause.steps) {
        for (const who of clause.who) {
          const bits = permissionBits(step.perms, who, original, isDirectory, clause.useUmask ? umask : 0);
          mode = applyOperator(step.op, who, bits, mode);
        }
      }
    }
    return mode;
  };
}

type Who = "u" | "g" | "o";
interface Clause {
  who: Who[];
  useUmask: boolean;
  steps: { op: "+" | "-" | "="; perms: string }[];
}

function parseClause(clause: string, whole: string): Clause {
  const match = /^([ugoa]*)((?:[+=-][rwxXstugo]*)+)$/.exec(clause);
  if (!match) throw badMode(whole, `bad symbolic permission for mode: ${clause}`);
  const whoText = match[1]!;
  const who =
    whoText === "" || whoText.includes("a") ? (["u", "g", "o"] as Who[]) : ([...new Set(whoText)] as Who[]);
  const steps = [...match[2]!.matchAll(/([+=-])([rwxXstugo]*)/g)].map((m) => ({
    op: m[1] as "+" | "-" | "=",
    perms: m[2]!,
  }));
  return { who, useUmask: whoText === "", steps };
}

const SHIFT: Record<Who, number> = { u: 6, g: 3, o: 0 };
const SPECIAL: Record<Who, { s: number; t: number }> = {
  u: { s: 0o4000, t: 0 },
  g: { s: 0o2000, t: 0 },
  o: { s: 0, t: 0o1000 },
};

/** The bits `perms` stands for in `who`'s position (chmod's r, w, x, X, s, t and the u/g/o copies). */
function permissionBits(
  perms: string,
  who: Who,
  original: number,
  isDirectory: boolean,
  umask: number,
): number {
  const shift = SHIFT[who];
  let bits = 0;
  for (const p of perms) {
    if (p === "r" || p === "w" || p === "x") {
      const bit = (p === "r" ? 0o4 : p === "w" ? 0o2 : 0o1) << shift;
      bits |= bit & ~umask;
    } else if (p === "X") {
      if (isDirectory || (original & EXEC_BITS) !== 0) bits |= 0o1 << shift;
    } else if (p === "s" || p === "t") {
      bits |= SPECIAL[who][p];
    } else {
      // u, g, o: copy that class's current permissions into this position
      bits |= ((original >> SHIFT[p as Who]) & 0o7) << shift;
    }
  }
  return bits;
}

function applyOperator(op: "+" | "-" | "=", who: Who, bits: number, mode: number): number {
  if (op === "+") return mode | bits;
  if (op === "-") return mode & ~bits;
  const cleared = (0o7 << SHIFT[who]) | SPECIAL[who].s | SPECIAL[who].t;
  return (mode & ~cleared) | bits;
}

function badMode(value: unknown, detail?: string): TsibleError {
  return new TsibleError(
    `mode must be in octal or symbolic form${detail ? ` (${detail})` : ""}: ${String(value)}`,
    {
      kind: "module",
      hint: "write an octal string such as '0644' (quoted) or a symbolic mode such as 'u=rw,g=r,o=r'",
    },
  );
}

/** Ansible's display of a mode: '0644', '01777'. */
export function formatMode(mode: number): string {
  return `0${(mode & PERM_BITS).toString(8).padStart(3, "0")}`;
}
