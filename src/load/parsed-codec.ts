import type { SourceLocation } from "../errors.js";
import { type NodeLocations, recordedLocations, recordLocations } from "./locations.js";
import { TaggedText } from "./tagged.js";

/**
 * A parsed YAML file (yaml.ts) as JSON, with every source position its maps and lists carry, so
 * that a file read again can skip the parse (parse-cache.ts) and still point errors at
 * file:line:col. The file's path is not stored: the reader gives it back.
 *
 * JSON has no NaN, Infinity, -0 or TaggedText: those become marker objects under MARK, and a
 * key of the file's own that starts with NUL gets one more NUL, so no key of it reads as MARK.
 * Positions are one flat list of numbers, in the order the decoder meets the maps and lists.
 */
const MARK = "\u0000tsible";

interface Encoded {
  value: unknown;
  positions: number[];
}

/** The JSON text of a parsed value; throws on anything parseYaml does not make. */
export function encodeParsed(value: unknown): string {
  const out: Encoded = { value: undefined, positions: [] };
  out.value = encodeValue(value, out.positions);
  return JSON.stringify(out);
}

/** The value encodeParsed was given, its positions now in `file`. Throws on a damaged text. */
export function decodeParsed(json: string, file: string): unknown {
  const parsed = JSON.parse(json) as Encoded;
  if (!parsed || !Array.isArray(parsed.positions)) throw new Error("not a parsed file");
  const reader = { file, positions: parsed.positions, next: 0 };
  const value = decodeValue(parsed.value, reader);
  if (reader.next !== parsed.positions.length) throw new Error("positions left over");
  return value;
}

function encodeValue(value: unknown, positions: number[]): unknown {
  if (value === null || typeof value === "string" || typeof value === "boolean") return value;
  if (typeof value === "number") {
    if (Number.isFinite(value) && !Object.is(value, -0)) return value;
    // String(-0) is "0"; Number("-0") is -0 again
    return { [MARK]: "number", text: Object.is(value, -0) ? "-0" : String(value) };
  }
  if (value instanceof TaggedText) {
    const { line, col } = value.location;
    return { [MARK]: "tagged", tag: value.tag, text: value.text, line, col };
  }
  if (Array.isArray(value)) {
    const locations = ownLocations(value);
    positions.push(locations.at.line, locations.at.col);
    return value.map((item, i) => {
      pushPosition(positions, locations.values.get(String(i)));
      return encodeValue(item, positions);
    });
  }
  if (typeof value === "object" && Object.getPrototypeOf(value) === Object.prototype) {
    const locations = ownLocations(value);
    positions.push(locations.at.line, locations.at.col);
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) {
      pushPosition(positions, locations.keys.get(key));
      pushPosition(positions, locations.values.get(key));
      // defineProperty: JSON.parse makes "__proto__" an own key, and so must this copy
      Object.defineProperty(out, key.startsWith("\u0000") ? `\u0000${key}` : key, {
        value: encodeValue(item, positions),
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
    return out;
  }
  throw new Error(`cannot encode a ${typeof value}`);
}

function ownLocations(node: object): NodeLocations {
  const locations = recordedLocations(node);
  if (!locations) throw new Error("a map or list without positions");
  return locations;
}

/** A missing position (an entry parseYaml gave none) is stored as 0, 0. */
function pushPosition(positions: number[], at: SourceLocation | undefined): void {
  positions.push(at?.line ?? 0, at?.col ?? 0);
}

interface Reader {
  file: string;
  positions: number[];
  next: number;
}

function readPosition(reader: Reader): SourceLocation | undefined {
  const line = reader.positions[reader.next++];
  const col = reader.positions[reader.next++];
  if (typeof line !== "number" || typeof col !== "number") throw new Error("positions cut short");
  return line === 0 ? undefined : { file: reader.file, line, col };
}

function decodeValue(value: unknown, reader: Reader): unknown {
  if (value === null || typeof value !== "object") return value;
  if (Array.isArray(value)) {
    const at = readPosition(reader)!;
    const locations: NodeLocations = { at, keys: new Map(), values: new Map() };
    const out = value.map((item, i) => {
      const where = readPosition(reader);
      if (where) locations.values.set(String(i), where);
      return decodeValue(item, reader);
    });
    recordLocations(out, locations);
    return out;
  }
  const record = value as Record<string, unknown>;
  if (Object.hasOwn(record, MARK)) return decodeMarker(record, reader.file);
  const at = readPosition(reader)!;
  const locations: NodeLocations = { at, keys: new Map(), values: new Map() };
  const out: Record<string, unknown> = {};
  for (const [stored, item] of Object.entries(record)) {
    const key = stored.startsWith("\u0000") ? stored.slice(1) : stored;
    const keyAt = readPosition(reader);
    const valueAt = readPosition(reader);
    if (keyAt) locations.keys.set(key, keyAt);
    if (valueAt) locations.values.set(key, valueAt);
    Object.defineProperty(out, key, {
      value: decodeValue(item, reader),
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  recordLocations(out, locations);
  return out;
}

function decodeMarker(marker: Record<string, unknown>, file: string): unknown {
  if (marker[MARK] === "number") return Number(marker.text);
  if (marker[MARK] === "tagged") {
    const location = { file, line: marker.line as number, col: marker.col as number };
    return new TaggedText(marker.tag as "vault" | "unsafe", marker.text as string, location);
  }
  throw new Error(`unknown marker ${String(marker[MARK])}`);
}
