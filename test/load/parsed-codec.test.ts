/**
 * A parse kept in the parse cache must be the parse itself: the same values (NaN, -0, tagged
 * text, odd keys included) and the same positions for every map, list and key, so an error
 * found in a cached file points where the file says.
 */

import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { recordedLocations } from "../../src/load/locations.js";
import { decodeParsed, encodeParsed } from "../../src/load/parsed-codec.js";
import { TaggedText } from "../../src/load/tagged.js";
import { parseYaml } from "../../src/load/yaml.js";
import { ROOT } from "../helpers/cli.js";

/** Asserts `copy` is `original` with the positions of every map and list. */
function expectSameParse(copy: unknown, original: unknown, path = "$"): void {
  expect(copy, path).toStrictEqual(original);
  if (original === null || typeof original !== "object" || original instanceof TaggedText) return;
  expect(recordedLocations(copy as object), `positions of ${path}`).toStrictEqual(
    recordedLocations(original as object),
  );
  for (const [key, item] of Object.entries(original)) {
    expectSameParse((copy as Record<string, unknown>)[key], item, `${path}.${key}`);
  }
}

const roundTrip = (text: string, file: string) => decodeParsed(encodeParsed(parseYaml(text, file)), file);

function yamlFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return yamlFiles(path);
    return /\.ya?ml$/.test(name) ? [path] : [];
  });
}

const ODD = `plain: 1
"10": ten
"1": one
"__proto__": { polluted: true }
"\\0tsible": "a key like the codec's marker"
"\\0": nul
nan: .nan
inf: .inf
ninf: -.inf
negzero: -0.0
octal: 0644
yes_bool: yes
y_is_text: y
date: 2001-12-14
big: 123456789012345678901234567890
secret: !vault |
  $ANSIBLE_VAULT;1.1;AES256
  6162
raw: !unsafe "{{ x }}"
base: &base { a: 1, b: [1, 2] }
merged:
  <<: *base
  b: 3
aliased: *base
empty:
list: [a, { b: c }, [d], [], {}]
nested:
  - - - deep
`;

describe("a parse stored as JSON", () => {
  it("comes back with the same values and positions, odd values and keys included", () => {
    const original = parseYaml(ODD, "/play/odd.yml") as Record<string, unknown>;
    const copy = decodeParsed(encodeParsed(original), "/play/odd.yml") as Record<string, unknown>;
    expectSameParse(copy, original);
    expect(Object.is(copy.negzero, -0)).toBe(true);
    expect(copy.nan).toBeNaN();
    expect(copy.secret).toBeInstanceOf(TaggedText);
    expect(Object.getPrototypeOf(copy)).toBe(Object.prototype);
    expect(Object.hasOwn(copy, "__proto__")).toBe(true);
    expect(copy["\u0000tsible"]).toBe("a key like the codec's marker");
  });

  it("holds every playbook, role and inventory file of the repo", () => {
    const files = [...yamlFiles(join(ROOT, "playbooks")), ...yamlFiles(join(ROOT, "inventory"))];
    expect(files.length).toBeGreaterThan(30);
    for (const file of files) {
      const text = readFileSync(file, "utf8");
      if (text.startsWith("$ANSIBLE_VAULT;")) continue;
      expectSameParse(roundTrip(text, file), parseYaml(text, file), file);
    }
  });

  it("takes the path it is read for", () => {
    const copy = roundTrip("- a\n- b: 1\n", "/elsewhere.yml") as unknown[];
    expect(recordedLocations(copy)?.values.get("1")).toEqual({ file: "/elsewhere.yml", line: 2, col: 3 });
  });

  it("refuses a damaged or cut text instead of returning part of it", () => {
    const json = encodeParsed(parseYaml("a: [1, 2]\nb: {c: d}\n", "/x.yml"));
    expect(() => decodeParsed(json.slice(0, -5), "/x.yml")).toThrow();
    const cut = JSON.parse(json) as { positions: number[] };
    cut.positions.pop();
    expect(() => decodeParsed(JSON.stringify(cut), "/x.yml")).toThrow(/positions/);
    expect(() => decodeParsed("[]", "/x.yml")).toThrow();
  });
});
