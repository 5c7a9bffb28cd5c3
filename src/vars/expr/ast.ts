/** The parsed form of a Jinja expression. `start`/`end` are offsets into the source text. */
export type Node =
  | { type: "literal"; value: unknown; start: number; end: number }
  | { type: "name"; name: string; start: number; end: number }
  | { type: "list"; items: Node[]; start: number; end: number }
  | { type: "dict"; entries: Array<[Node, Node]>; start: number; end: number }
  | { type: "attr"; object: Node; name: string; start: number; end: number }
  | { type: "index"; object: Node; index: Node; start: number; end: number }
  | {
      type: "slice";
      object: Node;
      from: Node | undefined;
      to: Node | undefined;
      step: Node | undefined;
      start: number;
      end: number;
    }
  | { type: "call"; callee: Node; args: Node[]; kwargs: Array<[string, Node]>; start: number; end: number }
  | {
      type: "filter";
      input: Node;
      name: string;
      args: Node[];
      kwargs: Array<[string, Node]>;
      start: number;
      end: number;
    }
  | {
      type: "test";
      input: Node;
      name: string;
      negated: boolean;
      args: Node[];
      kwargs: Array<[string, Node]>;
      start: number;
      end: number;
    }
  | { type: "unary"; op: "not" | "-" | "+"; operand: Node; start: number; end: number }
  | { type: "binary"; op: BinaryOp; left: Node; right: Node; start: number; end: number }
  | { type: "compare"; first: Node; rest: Array<[CompareOp, Node]>; start: number; end: number }
  | { type: "cond"; test: Node; whenTrue: Node; otherwise: Node | undefined; start: number; end: number };

export type BinaryOp = "+" | "-" | "*" | "/" | "//" | "%" | "**" | "~" | "and" | "or";
export type CompareOp = "==" | "!=" | "<" | "<=" | ">" | ">=" | "in" | "not in";

export type NodeOf<T extends Node["type"]> = Extract<Node, { type: T }>;
