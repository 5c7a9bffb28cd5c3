import { TsibleError } from "../../errors.js";
import type { BinaryOp, CompareOp, Node } from "./ast.js";
import { type Token, tokenize } from "./lexer.js";

const CONSTANTS: Record<string, unknown> = {
  true: true,
  True: true,
  false: false,
  False: false,
  none: null,
  None: null,
};

const COMPARE_OPS = new Set(["==", "!=", "<", "<=", ">", ">="]);
/** Words that end a test's bare argument (`x is divisibleby 3` takes one, `x is defined and y` none). */
const NOT_AN_ARGUMENT = new Set(["and", "or", "else", "if", "in", "not", "is"]);

/**
 * A recursive-descent parser with Jinja's precedence, lowest first:
 * `a if c else b`, `or`, `and`, `not`, comparisons and `in`, `+ -`, `~`, `* / // %`, `**`,
 * unary `- +`, then postfix `.attr [i] [a:b] (args)`, filters `| f(x)` and tests `is t`.
 */
class Parser {
  private pos = 0;

  constructor(
    private readonly source: string,
    private readonly tokens: Token[],
    /** Where the expression starts in `source` (inside a template, just after `{{`). */
    private readonly base = 0,
  ) {}

  parseAll(): Node {
    const node = this.expression();
    const rest = this.peek();
    if (rest.type !== "eof" && rest.type !== "end") this.fail(`unexpected '${rest.value}'`, rest);
    return node;
  }

  /** The iterable of `{% for x in ITERABLE if FILTER %}`: an `if` here filters items instead of choosing. */
  forIterable(): { iterable: Node; filter: Node | undefined } {
    const iterable = this.or();
    const filter = this.skipName("if") ? this.expression() : undefined;
    const rest = this.peek();
    if (rest.type !== "eof") this.fail(`unexpected '${rest.value}'`, rest);
    return { iterable, filter };
  }

  /** Offset just after the closing `}}` of a template expression. */
  endOffset(): number {
    return this.peek().end;
  }

  expression(): Node {
    let node = this.or();
    while (this.skipName("if")) {
      const test = this.or();
      const otherwise = this.skipName("else") ? this.expression() : undefined;
      node = { type: "cond", test, whenTrue: node, otherwise, start: node.start, end: this.lastEnd() };
    }
    return node;
  }

  private or(): Node {
    let node = this.and();
    while (this.skipName("or")) node = this.binary("or", node, this.and());
    return node;
  }

  private and(): Node {
    let node = this.not();
    while (this.skipName("and")) node = this.binary("and", node, this.not());
    return node;
  }

  private not(): Node {
    const token = this.peek();
    if (token.type === "name" && token.value === "not") {
      this.pos++;
      const operand = this.not();
      return { type: "unary", op: "not", operand, start: token.start, end: operand.end };
    }
    return this.compare();
  }

  private compare(): Node {
    const first = this.sum();
    const rest: Array<[CompareOp, Node]> = [];
    for (;;) {
      const token = this.peek();
      if (token.type === "op" && COMPARE_OPS.has(token.value)) {
        this.pos++;
        rest.push([token.value as CompareOp, this.sum()]);
      } else if (this.skipName("in")) {
        rest.push(["in", this.sum()]);
      } else if (this.isName(token, "not") && this.isName(this.peek(1), "in")) {
        this.pos += 2;
        rest.push(["not in", this.sum()]);
      } else {
        break;
      }
    }
    if (rest.length === 0) return first;
    return { type: "compare", first, rest, start: first.start, end: this.lastEnd() };
  }

  private sum(): Node {
    let node = this.concat();
    for (let op = this.skipOp("+", "-"); op; op = this.skipOp("+", "-")) {
      node = this.binary(op, node, this.concat());
    }
    return node;
  }

  private concat(): Node {
    let node = this.product();
    while (this.skipOp("~")) node = this.binary("~", node, this.product());
    return node;
  }

  private product(): Node {
    let node = this.power();
    for (let op = this.skipOp("*", "/", "//", "%"); op; op = this.skipOp("*", "/", "//", "%")) {
      node = this.binary(op, node, this.power());
    }
    return node;
  }

  /** Left-associative, as in Jinja: `2 ** 3 ** 2` is 64. */
  private power(): Node {
    let node = this.unary(true);
    while (this.skipOp("**")) node = this.binary("**", node, this.unary(true));
    return node;
  }

  private unary(withFilters: boolean): Node {
    const token = this.peek();
    let node: Node;
    if (token.type === "op" && (token.value === "-" || token.value === "+")) {
      this.pos++;
      const operand = this.unary(false);
      node = { type: "unary", op: token.value, operand, start: token.start, end: operand.end };
    } else {
      node = this.primary();
    }
    node = this.postfix(node);
    return withFilters ? this.filtersAndTests(node) : node;
  }

  private primary(): Node {
    const token = this.next();
    const { start, end } = token;
    switch (token.type) {
      case "name":
        if (Object.hasOwn(CONSTANTS, token.value)) {
          return { type: "literal", value: CONSTANTS[token.value], start, end };
        }
        return { type: "name", name: token.value, start, end };
      case "string": {
        // Adjacent string literals are joined, as in Python and Jinja.
        let value = token.value;
        while (this.peek().type === "string") value += this.next().value;
        return { type: "literal", value, start, end: this.lastEnd() };
      }
      case "number":
        return { type: "literal", value: Number(token.value.replaceAll("_", "")), start, end };
      case "op":
        if (token.value === "(") return this.parenthesised(token);
        if (token.value === "[") {
          const items = this.sequence("]");
          return { type: "list", items, start, end: this.lastEnd() };
        }
        if (token.value === "{") return this.dict(token);
        break;
    }
    return this.fail(
      token.type === "end" || token.type === "eof" ? "expression expected" : `unexpected '${token.value}'`,
      token,
    );
  }

  /** `(a)` is a, `(a, b)` and `()` are tuples (lists here). */
  private parenthesised(open: Token): Node {
    if (this.skipOp(")")) return { type: "list", items: [], start: open.start, end: this.lastEnd() };
    const first = this.expression();
    if (this.skipOp(")")) return first;
    this.expectOp(",");
    const items = [first, ...this.sequence(")")];
    return { type: "list", items, start: open.start, end: this.lastEnd() };
  }

  /** Comma-separated expressions up to `close` (consumed); a trailing comma is allowed. */
  private sequence(close: string): Node[] {
    const items: Node[] = [];
    while (!this.skipOp(close)) {
      if (items.length > 0) {
        this.expectOp(",");
        if (this.skipOp(close)) break;
      }
      items.push(this.expression());
    }
    return items;
  }

  private dict(open: Token): Node {
    const entries: Array<[Node, Node]> = [];
    while (!this.skipOp("}")) {
      if (entries.length > 0) {
        this.expectOp(",");
        if (this.skipOp("}")) break;
      }
      const key = this.expression();
      this.expectOp(":");
      entries.push([key, this.expression()]);
    }
    return { type: "dict", entries, start: open.start, end: this.lastEnd() };
  }

  private postfix(node: Node): Node {
    for (;;) {
      const token = this.peek();
      if (token.type !== "op") return node;
      if (token.value === ".") {
        this.pos++;
        const attr = this.next();
        if (attr.type === "number") {
          const index: Node = {
            type: "literal",
            value: Number(attr.value),
            start: attr.start,
            end: attr.end,
          };
          node = { type: "index", object: node, index, start: node.start, end: attr.end };
        } else if (attr.type === "name") {
          node = { type: "attr", object: node, name: attr.value, start: node.start, end: attr.end };
        } else {
          this.fail("attribute name expected after '.'", attr);
        }
      } else if (token.value === "[") {
        this.pos++;
        node = this.subscript(node);
      } else if (token.value === "(") {
        this.pos++;
        node = this.call(node);
      } else {
        return node;
      }
    }
  }

  private subscript(object: Node): Node {
    const bound = (): Node | undefined =>
      this.peekOp(":") || this.peekOp("]") ? undefined : this.expression();
    const from = bound();
    if (this.skipOp("]")) {
      if (!from) this.fail("index expected", this.peek());
      return { type: "index", object, index: from!, start: object.start, end: this.lastEnd() };
    }
    this.expectOp(":");
    const to = bound();
    const step = this.skipOp(":") ? bound() : undefined;
    this.expectOp("]");
    return { type: "slice", object, from, to, step, start: object.start, end: this.lastEnd() };
  }

  private call(callee: Node): Node {
    const { args, kwargs } = this.arguments();
    return { type: "call", callee, args, kwargs, start: callee.start, end: this.lastEnd() };
  }

  /** Arguments after `(` up to and including `)`: positional first, then `name=value`. */
  private arguments(): { args: Node[]; kwargs: Array<[string, Node]> } {
    const args: Node[] = [];
    const kwargs: Array<[string, Node]> = [];
    while (!this.skipOp(")")) {
      if (args.length + kwargs.length > 0) {
        this.expectOp(",");
        if (this.skipOp(")")) break;
      }
      const token = this.peek();
      const following = this.peek(1);
      if (token.type === "name" && following.type === "op" && following.value === "=") {
        this.pos += 2;
        kwargs.push([token.value, this.expression()]);
      } else {
        if (kwargs.length > 0) this.fail("positional argument after keyword argument", token);
        args.push(this.expression());
      }
    }
    return { args, kwargs };
  }

  private filtersAndTests(node: Node): Node {
    for (;;) {
      if (this.skipOp("|")) {
        const name = this.dottedName("filter name");
        const { args, kwargs } = this.skipOp("(") ? this.arguments() : { args: [], kwargs: [] };
        node = { type: "filter", input: node, name, args, kwargs, start: node.start, end: this.lastEnd() };
      } else if (this.skipName("is")) {
        node = this.test(node);
      } else if (this.skipOp("(")) {
        node = this.call(node);
      } else {
        return node;
      }
    }
  }

  private test(input: Node): Node {
    const negated = this.skipName("not");
    const name = this.dottedName("test name");
    let args: Node[] = [];
    let kwargs: Array<[string, Node]> = [];
    const token = this.peek();
    if (this.skipOp("(")) {
      ({ args, kwargs } = this.arguments());
    } else if (
      token.type === "string" ||
      token.type === "number" ||
      (token.type === "name" && !NOT_AN_ARGUMENT.has(token.value)) ||
      (token.type === "op" && (token.value === "[" || token.value === "{"))
    ) {
      args = [this.postfix(this.primary())];
    }
    return { type: "test", input, name, negated, args, kwargs, start: input.start, end: this.lastEnd() };
  }

  /** `name` or `ansible.builtin.name`. */
  private dottedName(what: string): string {
    const first = this.next();
    if (first.type !== "name") this.fail(`${what} expected`, first);
    let name = first.value;
    while (this.peekOp(".") && this.peek(1).type === "name") {
      this.pos++;
      name += `.${this.next().value}`;
    }
    return name;
  }

  private binary(op: BinaryOp, left: Node, right: Node): Node {
    return { type: "binary", op, left, right, start: left.start, end: right.end };
  }

  private peek(ahead = 0): Token {
    return this.tokens[Math.min(this.pos + ahead, this.tokens.length - 1)]!;
  }

  private next(): Token {
    const token = this.peek();
    if (this.pos < this.tokens.length - 1) this.pos++;
    return token;
  }

  private lastEnd(): number {
    return this.tokens[Math.max(0, this.pos - 1)]!.end;
  }

  private isName(token: Token, word: string): boolean {
    return token.type === "name" && token.value === word;
  }

  private skipName(word: string): boolean {
    if (!this.isName(this.peek(), word)) return false;
    this.pos++;
    return true;
  }

  private peekOp(op: string): boolean {
    const token = this.peek();
    return token.type === "op" && token.value === op;
  }

  private skipOp<T extends string>(...ops: T[]): T | undefined {
    const token = this.peek();
    if (token.type !== "op") return undefined;
    const op = ops.find((o) => o === token.value);
    if (op) this.pos++;
    return op;
  }

  private expectOp(op: string): void {
    if (!this.skipOp(op)) {
      const token = this.peek();
      this.fail(`expected '${op}' but found ${describeToken(token)}`, token);
    }
  }

  private fail(message: string, token: Token): never {
    const leading = this.source.slice(this.base).length - this.source.slice(this.base).trimStart().length;
    const column = token.start - this.base - leading + 1;
    const text = this.source.slice(this.base, this.tokens[this.tokens.length - 1]!.start).trim();
    throw new TsibleError(`${message} at column ${column} of expression: ${text}`, { kind: "expression" });
  }
}

function describeToken(token: Token): string {
  if (token.type === "eof" || token.type === "end") return "the end of the expression";
  return token.type === "string" ? `a string` : `'${token.value}'`;
}

export interface ParsedExpression {
  node: Node;
  /** The text the node offsets refer to. */
  source: string;
}

const cache = new Map<string, Node>();
const CACHE_LIMIT = 5000;

/** Parses a whole expression such as `foo | default(1) > 0`. Results are cached per text. */
export function parseExpression(source: string): ParsedExpression {
  let node = cache.get(source);
  if (!node) {
    node = new Parser(source, tokenize(source)).parseAll();
    if (cache.size >= CACHE_LIMIT) cache.clear();
    cache.set(source, node);
  }
  return { node, source };
}

/**
 * Parses the expression that starts at `from` inside template text (just after `{{`) and
 * returns it with the offset just after its closing `}}`.
 */
export function parseTemplateExpression(
  text: string,
  from: number,
): { node: Node; end: number; stripAfter: boolean } {
  const tokens = tokenize(text, from, true);
  const parser = new Parser(text, tokens, from);
  const node = parser.parseAll();
  return { node, end: parser.endOffset(), stripAfter: tokens[tokens.length - 1]!.value === "-}}" };
}

/** Parses what follows `in` in `{% for x in items if x.enabled %}`. */
export function parseForIterable(source: string): { iterable: Node; filter: Node | undefined } {
  return new Parser(source, tokenize(source)).forIterable();
}
