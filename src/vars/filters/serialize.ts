import { Document, isScalar, visit } from "yaml";
import { parseYaml } from "../../load/yaml.js";
import type { FilterFn } from "../expr/context.js";
import { isMapping, pyStr, toDict, truthy } from "../expr/values.js";
import { pyJsonDumps } from "./pyjson.js";

/**
 * YAML as PyYAML writes it for Ansible: keys sorted, YAML 1.1 quoting (`'yes'`), lists not
 * indented under their key; `to_yaml` puts collections of scalars in flow style (`[1, 2]`).
 */
export function dumpYaml(value: unknown, indent: number, flowLeaves: boolean): string {
  const plain = isMapping(value) ? toDict(value) : value;
  const doc = new Document(plain, { version: "1.1", sortMapEntries: true });
  visit(doc, {
    Map: (_key, node) => {
      node.flow = node.items.length === 0 || (flowLeaves && node.items.every((pair) => isScalar(pair.value)));
    },
    Seq: (_key, node) => {
      node.flow = node.items.length === 0 || (flowLeaves && node.items.every((item) => isScalar(item)));
    },
  });
  const text = doc.toString({
    indent,
    indentSeq: false,
    lineWidth: 0,
    singleQuote: true,
    flowCollectionPadding: false,
  });
  return text;
}

function indentArg(value: unknown, fallback: number | undefined): number | undefined {
  if (value === null || value === undefined) return fallback;
  if (typeof value !== "number") throw new TypeError("indent must be a number");
  return value;
}

export const SERIALIZE_FILTERS: Record<string, FilterFn> = {
  to_json: (input, args) =>
    pyJsonDumps(input, {
      indent: indentArg(args.take("indent", null), undefined),
      sortKeys: truthy(args.take("sort_keys", false)),
      ensureAscii: truthy(args.take("ensure_ascii", true)),
    }),
  to_nice_json: (input, args) =>
    pyJsonDumps(input, {
      indent: indentArg(args.take("indent", 4), 4),
      sortKeys: truthy(args.take("sort_keys", true)),
      ensureAscii: truthy(args.take("ensure_ascii", true)),
    }),
  from_json: (input) => {
    try {
      return JSON.parse(pyStr(input));
    } catch (err) {
      throw new TypeError(`from_json: ${(err as Error).message}`);
    }
  },
  to_yaml: (input, args) => dumpYaml(input, indentArg(args.take("indent", 2), 2)!, true),
  to_nice_yaml: (input, args) => dumpYaml(input, indentArg(args.take("indent", 4), 4)!, false),
  from_yaml: (input) => parseYaml(pyStr(input), "<from_yaml>"),
};
