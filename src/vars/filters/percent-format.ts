import { isDict, pyRepr, pyStr, typeName } from "../expr/values.js";

const SPEC = /%(?:\(([^)]*)\))?([-+ 0#]*)(\d+|\*)?(?:\.(\d+))?([sridfFeEgGxXoc%])/g;

function formatNumber(value: unknown, conversion: string, precision: number | undefined): string {
  if (typeof value !== "number" && typeof value !== "boolean") {
    throw new TypeError(`%${conversion} format: a number is required, not ${typeName(value)}`);
  }
  const n = Number(value);
  switch (conversion) {
    case "d":
    case "i":
      return String(Math.trunc(n));
    case "x":
      return Math.trunc(n).toString(16);
    case "X":
      return Math.trunc(n).toString(16).toUpperCase();
    case "o":
      return Math.trunc(n).toString(8);
    case "e":
    case "E": {
      const text = n.toExponential(precision ?? 6).replace(/e([+-])(\d)$/, "e$10$2");
      return conversion === "E" ? text.toUpperCase() : text;
    }
    case "g":
    case "G":
      return String(Number(n.toPrecision(precision || 6)));
    default:
      return n.toFixed(precision ?? 6);
  }
}

/** Python's `text % values`, as Jinja's `format` filter uses it. */
export function percentFormat(template: string, values: unknown[]): string {
  let next = 0;
  const mapping = values.length === 1 && isDict(values[0]) ? values[0] : undefined;
  const out = template.replace(
    SPEC,
    (_all, key: string | undefined, flags: string, width, precision, conversion) => {
      if (conversion === "%") return "%";
      let value: unknown;
      if (key !== undefined) {
        if (!mapping || !Object.hasOwn(mapping, key))
          throw new TypeError(`format requires a mapping with key '${key}'`);
        value = mapping[key];
      } else {
        if (next >= values.length) throw new TypeError("not enough arguments for format string");
        value = values[next++];
      }
      const digits = precision === undefined ? undefined : Number(precision);
      let text: string;
      if (conversion === "s") text = digits === undefined ? pyStr(value) : pyStr(value).slice(0, digits);
      else if (conversion === "r") text = pyRepr(value);
      else if (conversion === "c")
        text = typeof value === "number" ? String.fromCodePoint(value) : pyStr(value);
      else text = formatNumber(value, conversion, digits);
      if (flags.includes("+") && /^[\d.]/.test(text) && !"src".includes(conversion)) text = `+${text}`;
      const size = width === undefined || width === "*" ? 0 : Number(width);
      if (flags.includes("-")) return text.padEnd(size);
      if (flags.includes("0") && !"src".includes(conversion)) {
        const sign = /^[+-]/.test(text) ? text[0]! : "";
        return sign + text.slice(sign.length).padStart(size - sign.length, "0");
      }
      return text.padStart(size);
    },
  );
  if (!mapping && next < values.length)
    throw new TypeError("not all arguments converted during string formatting");
  return out;
}
