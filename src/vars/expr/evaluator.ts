import { didYouMean, type SourceLocation, TsibleError } from "../../errors.js";
import { FILTERS } from "../filters/index.js";
import { GLOBALS } from "../globals.js";
import { TESTS } from "../jinja-tests.js";
import type { VarScope } from "../scope.js";
import { Args } from "./args.js";
import { arithmetic, concat, negate } from "./arith.js";
import type { Node, NodeOf } from "./ast.js";
import { asTsibleError, BuiltinFunction, type CallContext, strict } from "./context.js";
import { getAttribute, getItem, getSlice } from "./members.js";
import { findMethod } from "./methods.js";
import { parseExpression } from "./parser.js";
import {
  dictSet,
  keyString,
  plainValue,
  pyCompare,
  pyContains,
  pyEquals,
  truthy,
  typeName,
  Undefined,
} from "./values.js";

/** Filters and tests that may receive an undefined value; everything else fails on one. */
const UNDEFINED_FILTERS = new Set(["default", "d", "mandatory"]);
const UNDEFINED_TESTS = new Set(["defined", "undefined"]);

/** `ansible.builtin.to_json` is `to_json`. */
function shortName(name: string): string {
  return name.startsWith("ansible.") ? name.slice(name.lastIndexOf(".") + 1) : name;
}

function unknownName(what: "filter" | "test", name: string, known: Iterable<string>): TsibleError {
  const close = didYouMean(name, known);
  return new TsibleError(`no ${what} named '${name}'`, {
    kind: "expression",
    ...(close ? { hint: `did you mean '${close}'?` } : {}),
  });
}

/**
 * Evaluates an expression tree; the result may be an Undefined (only the callers that accept one,
 * `default` and `is defined`, look at it; `strict()` turns it into an error).
 */
class Evaluator {
  constructor(private readonly ctx: CallContext) {}

  text(node: Node): string {
    return this.ctx.source.slice(node.start, node.end).trim();
  }

  eval(node: Node): unknown {
    switch (node.type) {
      case "literal":
        return node.value;
      case "name":
        return this.lookup(node.name);
      case "list":
        return node.items.map((item) => this.strict(item));
      case "dict": {
        const out: Record<string, unknown> = {};
        for (const [key, value] of node.entries)
          dictSet(out, keyString(this.strict(key)), this.strict(value));
        return out;
      }
      case "attr":
        return getAttribute(this.eval(node.object), node.name, this.text(node.object), this.text(node));
      case "index":
        return getItem(
          this.eval(node.object),
          this.strict(node.index),
          this.text(node.object),
          this.text(node),
        );
      case "slice": {
        const bound = (b: Node | undefined) => (b ? this.strict(b) : undefined);
        return getSlice(this.strict(node.object), bound(node.from), bound(node.to), bound(node.step));
      }
      case "call":
        return this.call(node);
      case "filter":
        return this.filter(node);
      case "test":
        return this.test(node);
      case "unary": {
        const operand = this.strict(node.operand);
        return node.op === "not" ? !truthy(operand) : negate(node.op, operand);
      }
      case "binary":
        return this.binary(node);
      case "compare":
        return this.compare(node);
      case "cond":
        if (truthy(this.strict(node.test))) return this.eval(node.whenTrue);
        // Jinja renders a missing `else` as an empty string.
        return node.otherwise ? this.eval(node.otherwise) : "";
    }
  }

  strict(node: Node): unknown {
    return strict(this.eval(node));
  }

  private lookup(name: string): unknown {
    const { scope } = this.ctx;
    if (scope.has(name)) {
      const value = scope.get(name);
      return value === undefined ? new Undefined(name) : plainValue(value);
    }
    const global = GLOBALS[name];
    if (global !== undefined && Object.hasOwn(GLOBALS, name)) return global;
    const close = scope.names ? didYouMean(name, scope.names()) : undefined;
    return new Undefined(name, close ? `did you mean '${close}'?` : undefined);
  }

  private args(callee: string, node: { args: Node[]; kwargs: Array<[string, Node]> }): Args {
    const keywords = new Map<string, unknown>();
    for (const [key, value] of node.kwargs) keywords.set(key, this.strict(value));
    return new Args(
      callee,
      node.args.map((arg) => this.strict(arg)),
      keywords,
    );
  }

  private call(node: NodeOf<"call">): unknown {
    const { callee } = node;
    if (callee.type === "attr") {
      const receiver = this.strict(callee.object);
      const method = findMethod(receiver, callee.name);
      if (method) return method(this.args(`${typeName(receiver)}.${callee.name}()`, node));
      const value = getAttribute(receiver, callee.name, this.text(callee.object), this.text(callee));
      if (value instanceof BuiltinFunction) return this.invoke(value, node);
      throw new TsibleError(`'${typeName(receiver)}' object has no method '${callee.name}'`, {
        kind: "expression",
      });
    }
    const value = this.strict(callee);
    if (value instanceof BuiltinFunction) return this.invoke(value, node);
    throw new TsibleError(`'${this.text(callee)}' is a ${typeName(value)}, not a function`, {
      kind: "expression",
    });
  }

  private invoke(fn: BuiltinFunction, node: NodeOf<"call">): unknown {
    const args = this.args(`${fn.name}()`, node);
    const result = fn.call(args, this.ctx);
    args.done();
    return result;
  }

  private filter(node: NodeOf<"filter">): unknown {
    const name = shortName(node.name);
    return this.ctx.filter(name, this.eval(node.input), this.args(`filter '${name}'`, node));
  }

  private test(node: NodeOf<"test">): boolean {
    const name = shortName(node.name);
    return this.ctx.test(name, this.eval(node.input), this.args(`test '${name}'`, node)) !== node.negated;
  }

  private binary(node: NodeOf<"binary">): unknown {
    const left = this.strict(node.left);
    switch (node.op) {
      case "and":
        return truthy(left) ? this.strict(node.right) : left;
      case "or":
        return truthy(left) ? left : this.strict(node.right);
      case "~":
        return concat(left, this.strict(node.right));
      default:
        return arithmetic(node.op, left, this.strict(node.right));
    }
  }

  private compare(node: NodeOf<"compare">): boolean {
    let left = this.strict(node.first);
    for (const [op, rightNode] of node.rest) {
      const right = this.strict(rightNode);
      if (!compareOnce(op, left, right)) return false;
      left = right;
    }
    return true;
  }
}

function compareOnce(op: NodeOf<"compare">["rest"][number][0], left: unknown, right: unknown): boolean {
  switch (op) {
    case "==":
      return pyEquals(left, right);
    case "!=":
      return !pyEquals(left, right);
    case "<":
      return pyCompare(left, right) < 0;
    case "<=":
      return pyCompare(left, right) <= 0;
    case ">":
      return pyCompare(left, right) > 0;
    case ">=":
      return pyCompare(left, right) >= 0;
    case "in":
      return pyContains(right, left);
    case "not in":
      return !pyContains(right, left);
  }
}

function callContext(scope: VarScope, source: string, where: SourceLocation | undefined): CallContext {
  const ctx: CallContext = {
    scope,
    source,
    where,
    filter(name, input, args) {
      const fn = Object.hasOwn(FILTERS, name) ? FILTERS[name] : undefined;
      if (!fn) throw unknownName("filter", name, Object.keys(FILTERS));
      const result = fn(UNDEFINED_FILTERS.has(name) ? input : strict(input), args, ctx);
      args.done();
      return result;
    },
    test(name, value, args) {
      const fn = Object.hasOwn(TESTS, name) ? TESTS[name] : undefined;
      if (!fn) throw unknownName("test", name, Object.keys(TESTS));
      const result = fn(UNDEFINED_TESTS.has(name) ? value : strict(value), args, ctx);
      args.done();
      return result;
    },
  };
  return ctx;
}

/**
 * Evaluates a parsed tree; the result may be an Undefined. Errors carry `where`.
 * Used by template rendering, which parses expressions out of larger text.
 */
export function evaluateNode(node: Node, source: string, scope: VarScope, where?: SourceLocation): unknown {
  const ctx = callContext(scope, source, where);
  try {
    return new Evaluator(ctx).eval(node);
  } catch (err) {
    throw asTsibleError(err, ctx);
  }
}

/**
 * Evaluates a Jinja expression (without `{{ }}`) against `scope` and returns its native value.
 * An undefined result is a TsibleError of kind "undefined" naming the variable, located at `where`.
 */
export function evaluate(expression: string, scope: VarScope, where?: SourceLocation): unknown {
  let parsed: ReturnType<typeof parseExpression>;
  try {
    parsed = parseExpression(expression);
  } catch (err) {
    throw asTsibleError(err, { source: expression, where });
  }
  const value = evaluateNode(parsed.node, parsed.source, scope, where);
  try {
    return strict(value);
  } catch (err) {
    throw asTsibleError(err, { source: expression, where });
  }
}
