import { readFileSync } from "node:fs";
import {
  type Document,
  isAlias,
  isMap,
  isPair,
  isScalar,
  isSeq,
  LineCounter,
  type Node,
  parseDocument,
  type Scalar,
  type ScalarTag,
  type Tags,
  type YAMLParseError,
} from "yaml";
import { type SourceLocation, TsibleError } from "../errors.js";
import { type NodeLocations, recordLocations } from "./locations.js";
import { TaggedText } from "./tagged.js";

/** Bounds alias expansion so a "billion laughs" document cannot exhaust memory. */
const MAX_EXPANDED_NODES = 200_000;
const MAX_ALIASES = 1_000;

/** `!vault` and `!unsafe` are Ansible's tags; we keep the text and wrap it in TaggedText. */
const ansibleTags: ScalarTag[] = ["!vault", "!unsafe"].map((tag) => ({
  tag,
  resolve: (str: string) => str,
  identify: () => false,
}));

/**
 * YAML 1.1 reads `y` and `n` as booleans, but Ansible's reader (PyYAML) does not: there only
 * yes/no, true/false and on/off are. The schema's own boolean tags are narrowed accordingly.
 */
function pyyamlBooleans(tags: Tags): Tags {
  return tags.map((tag) => {
    if (typeof tag !== "object" || tag.tag !== "tag:yaml.org,2002:bool" || !(tag.test instanceof RegExp))
      return tag;
    const test = tag.test.source.startsWith("^(?:Y|y|")
      ? /^(?:[Yy]es|YES|[Tt]rue|TRUE|[Oo]n|ON)$/
      : /^(?:[Nn]o|NO|[Ff]alse|FALSE|[Oo]ff|OFF)$/;
    return { ...tag, test } as ScalarTag;
  });
}

/** Reads and parses a YAML file. See {@link parseYaml}. */
export function loadYamlFile(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    throw new TsibleError(`cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`, {
      kind: "parse",
    });
  }
  return parseYaml(text, path);
}

/**
 * Parses YAML the way Ansible does (YAML 1.1: `yes` is true, `0644` is octal), with merge keys,
 * duplicate keys rejected and alias expansion bounded. Every map and list of the result has its
 * source positions recorded (see locations.ts) so later errors can point at file:line:col.
 */
export function parseYaml(text: string, file: string): unknown {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, {
    version: "1.1",
    merge: true,
    uniqueKeys: true,
    prettyErrors: false,
    lineCounter,
    customTags: (tags) => [...pyyamlBooleans(tags), ...ansibleTags],
    strict: true,
  });
  const problem = doc.errors[0];
  if (problem) throw yamlError(problem, file, lineCounter);
  const loc = (offset: number | undefined): SourceLocation => {
    const pos = lineCounter.linePos(offset ?? 0);
    return { file, line: pos.line, col: pos.col };
  };
  return new Converter(doc, loc).convert(doc.contents as Node | null);
}

function yamlError(err: YAMLParseError, file: string, lines: LineCounter): TsibleError {
  const pos = lines.linePos(err.pos[0]);
  const message = err.message.split("\n")[0]!.replace(/ at line \d+, column \d+:?$/, "");
  const hint =
    err.code === "DUPLICATE_KEY"
      ? "each key may appear once in a mapping"
      : err.code === "BAD_INDENT" || err.code === "MISSING_CHAR"
        ? "check the indentation of this line and the one above"
        : undefined;
  return new TsibleError(`YAML syntax error: ${message}`, {
    kind: "parse",
    location: { file, line: pos.line, col: pos.col },
    ...(hint ? { hint } : {}),
  });
}

class Converter {
  private expanded = 0;
  private aliases = 0;

  constructor(
    private readonly doc: Document,
    private readonly loc: (offset: number | undefined) => SourceLocation,
  ) {}

  convert(node: Node | null | undefined): unknown {
    if (node === null || node === undefined) return null;
    if (++this.expanded > MAX_EXPANDED_NODES) {
      throw new TsibleError("YAML document expands to too many nodes (alias bomb?)", {
        kind: "parse",
        location: this.loc(node.range?.[0]),
      });
    }
    if (isAlias(node)) {
      if (++this.aliases > MAX_ALIASES) {
        throw new TsibleError(`YAML document uses more than ${MAX_ALIASES} aliases`, {
          kind: "parse",
          location: this.loc(node.range?.[0]),
        });
      }
      return this.convert(node.resolve(this.doc) as Node | undefined);
    }
    if (isScalar(node)) return this.scalar(node);
    if (isSeq(node)) {
      const out: unknown[] = [];
      const locations: NodeLocations = { at: this.loc(node.range?.[0]), keys: new Map(), values: new Map() };
      node.items.forEach((item, i) => {
        locations.values.set(String(i), this.loc((item as Node | null)?.range?.[0] ?? node.range?.[0]));
        out.push(this.convert(item as Node));
      });
      recordLocations(out, locations);
      return out;
    }
    if (isMap(node)) {
      const out: Record<string, unknown> = {};
      const locations: NodeLocations = { at: this.loc(node.range?.[0]), keys: new Map(), values: new Map() };
      const merged: Array<Record<string, unknown>> = [];
      for (const pair of node.items) {
        if (!isPair(pair)) continue;
        const keyNode = pair.key as Node | null;
        if (isScalar(keyNode) && typeof keyNode.value === "symbol") {
          // merge key `<<`: entries of the referenced maps, overridden by explicit keys
          const source = this.convert(pair.value as Node);
          for (const m of Array.isArray(source) ? source : [source]) {
            if (m && typeof m === "object" && !Array.isArray(m)) merged.push(m as Record<string, unknown>);
          }
          continue;
        }
        const key = keyNode === null ? "" : String(this.convert(keyNode));
        locations.keys.set(key, this.loc(keyNode?.range?.[0]));
        const valueNode = pair.value as Node | null;
        locations.values.set(key, this.loc(valueNode?.range?.[0] ?? keyNode?.range?.[1]));
        Object.defineProperty(out, key, {
          value: this.convert(valueNode),
          enumerable: true,
          writable: true,
          configurable: true,
        });
      }
      for (const m of merged) {
        for (const [k, v] of Object.entries(m)) {
          if (!Object.hasOwn(out, k)) {
            Object.defineProperty(out, k, { value: v, enumerable: true, writable: true, configurable: true });
            locations.keys.set(k, locations.at);
            locations.values.set(k, locations.at);
          }
        }
      }
      recordLocations(out, locations);
      return out;
    }
    throw new TsibleError("unsupported YAML node", { kind: "parse" });
  }

  private scalar(node: Scalar): unknown {
    if (node.tag === "!vault" || node.tag === "!unsafe") {
      return new TaggedText(
        node.tag.slice(1) as "vault" | "unsafe",
        String(node.value),
        this.loc(node.range?.[0]),
      );
    }
    const value = node.value;
    if (typeof value === "bigint") return Number(value);
    if (value instanceof Date) return value.toISOString();
    return value;
  }
}
