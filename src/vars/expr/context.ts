import { type SourceLocation, TsibleError } from "../../errors.js";
import type { VarScope } from "../scope.js";
import type { Args } from "./args.js";
import { Undefined } from "./values.js";

/** What an evaluation reads: the variables, the expression text, where it was written. */
export interface EvalContext {
  scope: VarScope;
  source: string;
  where: SourceLocation | undefined;
}

/** What filters, tests and functions get: the evaluation, and a way to call other filters and tests. */
export interface CallContext extends EvalContext {
  filter(name: string, input: unknown, args: Args): unknown;
  test(name: string, value: unknown, args: Args): boolean;
}

export type FilterFn = (input: unknown, args: Args, ctx: CallContext) => unknown;
export type TestFn = (value: unknown, args: Args, ctx: CallContext) => boolean;

/** A function value: a global such as `range` or `lookup`. */
export class BuiltinFunction {
  constructor(
    readonly name: string,
    readonly call: (args: Args, ctx: CallContext) => unknown,
  ) {}
}

export function undefinedError(value: Undefined): TsibleError {
  return new TsibleError(`'${value.path}' is undefined`, {
    kind: "undefined",
    ...(value.hint ? { hint: value.hint } : {}),
  });
}

/** Fails on an undefined value: what Jinja's StrictUndefined does wherever a value is used. */
export function strict<T>(value: T | Undefined): T {
  if (value instanceof Undefined) throw undefinedError(value);
  return value;
}

/** Turns anything thrown while evaluating into a TsibleError that says where. */
export function asTsibleError(err: unknown, ctx: Pick<EvalContext, "source" | "where">): TsibleError {
  if (err instanceof TsibleError) return err.at(ctx.where);
  const message = err instanceof Error ? err.message : String(err);
  return new TsibleError(`${message} (in expression: ${ctx.source.trim()})`, {
    kind: "expression",
    cause: err,
    ...(ctx.where ? { location: ctx.where } : {}),
  });
}
