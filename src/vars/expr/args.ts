import { TsibleError } from "../../errors.js";
import { typeName } from "./values.js";

/**
 * The arguments of a filter, test, method or function call, read the way Python binds them:
 * each parameter takes the next positional argument, else the keyword of its name, else a default.
 */
export class Args {
  private next = 0;
  private readonly usedKeywords = new Set<string>();

  constructor(
    /** What is being called, for messages: `filter 'join'`. */
    readonly callee: string,
    readonly positional: unknown[],
    readonly keywords: Map<string, unknown>,
  ) {}

  static of(callee: string, positional: unknown[], keywords: Record<string, unknown> = {}): Args {
    return new Args(callee, positional, new Map(Object.entries(keywords)));
  }

  /** The next parameter; without a fallback it is required. */
  take(name: string, ...fallback: [unknown?]): unknown {
    if (this.next < this.positional.length) {
      if (this.keywords.has(name)) this.fail(`got multiple values for argument '${name}'`);
      return this.positional[this.next++];
    }
    this.next++;
    if (this.keywords.has(name)) {
      this.usedKeywords.add(name);
      return this.keywords.get(name);
    }
    if (fallback.length === 0) this.fail(`missing required argument '${name}'`);
    return fallback[0];
  }

  string(name: string, ...fallback: [string?]): string {
    const value = this.take(name, ...fallback);
    if (typeof value !== "string") this.fail(`argument '${name}' must be a string, not ${typeName(value)}`);
    return value;
  }

  number(name: string, ...fallback: [number?]): number {
    const value = this.take(name, ...fallback);
    if (typeof value !== "number") this.fail(`argument '${name}' must be a number, not ${typeName(value)}`);
    return value;
  }

  optionalString(name: string): string | undefined {
    const value = this.take(name, undefined);
    if (value === undefined || value === null) return undefined;
    if (typeof value !== "string") this.fail(`argument '${name}' must be a string, not ${typeName(value)}`);
    return value;
  }

  /** All remaining positional arguments (Python's `*args`). */
  rest(): unknown[] {
    const rest = this.positional.slice(this.next);
    this.next = Math.max(this.next, this.positional.length);
    return rest;
  }

  /** Keyword arguments not bound to a parameter (Python's `**kwargs`). */
  restKeywords(): Map<string, unknown> {
    const rest = new Map<string, unknown>();
    for (const [key, value] of this.keywords) {
      if (!this.usedKeywords.has(key)) {
        rest.set(key, value);
        this.usedKeywords.add(key);
      }
    }
    return rest;
  }

  /** Fails on arguments nobody took. */
  done(): void {
    if (this.positional.length > this.next) {
      this.fail(`takes at most ${this.next} positional argument(s) but ${this.positional.length} were given`);
    }
    for (const key of this.keywords.keys()) {
      if (!this.usedKeywords.has(key)) this.fail(`got an unexpected keyword argument '${key}'`);
    }
  }

  fail(message: string): never {
    throw new TsibleError(`${this.callee}: ${message}`, { kind: "expression" });
  }
}
