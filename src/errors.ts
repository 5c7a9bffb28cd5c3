/** Where a piece of user input came from: a playbook, role file, inventory or template. */
export interface SourceLocation {
  file: string;
  /** 1-based line. */
  line: number;
  /** 1-based column. */
  col: number;
}

export type ErrorKind =
  | "parse" // malformed YAML/INI, schema violations: exit code 4, as ansible-playbook
  | "undefined" // an undefined variable
  | "expression" // a malformed or failing expression
  | "template" // a template that cannot be rendered
  | "connection" // a host that cannot be reached
  | "module" // a module's arguments or behaviour
  | "vault" // decryption failures
  | "usage" // wrong command-line usage
  | "interrupted" // Ctrl-C or SIGTERM stopped the work
  | "internal";

/** The one user-facing error type: it says what went wrong, where, and what was expected. */
export class TsibleError extends Error {
  readonly kind: ErrorKind;
  readonly location: SourceLocation | undefined;
  readonly hint: string | undefined;

  constructor(
    message: string,
    options: { kind?: ErrorKind; location?: SourceLocation; hint?: string; cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "TsibleError";
    this.kind = options.kind ?? "internal";
    this.location = options.location;
    this.hint = options.hint;
  }

  /** The message with its location prefix and hint, as shown to a user. */
  describe(): string {
    const where = this.location ? `${formatLocation(this.location)}: ` : "";
    const hint = this.hint ? `\n  hint: ${this.hint}` : "";
    return `${where}${this.message}${hint}`;
  }

  /** Returns a copy that carries a location, unless this error already has one. */
  at(location: SourceLocation | undefined): TsibleError {
    if (this.location || !location) return this;
    return new TsibleError(this.message, { kind: this.kind, location, hint: this.hint, cause: this.cause });
  }
}

export function formatLocation(loc: SourceLocation): string {
  return `${loc.file}:${loc.line}:${loc.col}`;
}

export function isTsibleError(err: unknown): err is TsibleError {
  return err instanceof TsibleError;
}

/** Suggests the closest of `candidates` to `word` (Levenshtein distance), for "did you mean" hints. */
export function didYouMean(word: string, candidates: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestDistance = Math.max(2, Math.floor(word.length / 3)) + 1;
  for (const candidate of candidates) {
    const d = editDistance(word.toLowerCase(), candidate.toLowerCase());
    if (d < bestDistance) {
      bestDistance = d;
      best = candidate;
    }
  }
  return best;
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = row[j]!;
      // a substitution costs a little more than a missing or extra letter: "taks" is "tasks", not "tags"
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1.25));
      prev = tmp;
    }
  }
  return row[b.length]!;
}
