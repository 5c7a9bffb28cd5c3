import { TsibleError } from "../../errors.js";
import { type FilterFn, undefinedError } from "../expr/context.js";
import { truthy, Undefined } from "../expr/values.js";

export const LOGIC_FILTERS: Record<string, FilterFn> = {
  /** `default(value, boolean=False)`: the value when undefined (or, with `true`, when falsy). */
  default: (input, args) => {
    const fallback = args.take("default_value", "");
    const boolean = args.take("boolean", false);
    if (input instanceof Undefined) return fallback;
    return truthy(boolean) && !truthy(input) ? fallback : input;
  },

  mandatory: (input, args) => {
    const msg = args.optionalString("msg");
    if (!(input instanceof Undefined)) return input;
    if (msg) throw new TsibleError(msg, { kind: "undefined" });
    const err = undefinedError(input);
    throw new TsibleError(`Mandatory variable '${input.path}' not defined.`, {
      kind: "undefined",
      ...(err.hint ? { hint: err.hint } : {}),
    });
  },

  /** `cond | ternary(a, b, none_val)`. */
  ternary: (input, args) => {
    const whenTrue = args.take("true_val");
    const whenFalse = args.take("false_val");
    const whenNone = args.take("none_val", null);
    if (input === null && whenNone !== null) return whenNone;
    return truthy(input) ? whenTrue : whenFalse;
  },

  /** Ansible's `bool`: `yes`, `on`, `1`, `true` (any case) and 1 are true; everything else false. */
  bool: (input) => {
    if (typeof input === "boolean") return input;
    if (typeof input === "string") return ["yes", "on", "1", "true"].includes(input.toLowerCase());
    return input === 1;
  },
};
LOGIC_FILTERS.d = LOGIC_FILTERS.default!;
