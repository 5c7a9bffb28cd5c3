import { readFileSync } from "node:fs";
import { formatLocation, type TsibleError } from "../errors.js";

/** An error as a person reads it: file:line:col, the offending line with a caret, then the hint. */
export function displayError(err: TsibleError, verbose: boolean): string {
  const lines = [`ERROR! ${err.location ? `${formatLocation(err.location)}: ` : ""}${err.message}`];
  const source = err.location ? sourceLine(err.location.file, err.location.line) : undefined;
  if (source !== undefined && err.location) {
    const gutter = `${err.location.line} | `;
    lines.push(
      "",
      `  ${gutter}${source}`,
      `  ${" ".repeat(gutter.length + Math.max(0, err.location.col - 1))}^`,
    );
  }
  if (err.hint) lines.push(`  hint: ${err.hint}`);
  if (verbose && err.stack) lines.push("", err.stack);
  return lines.join("\n");
}

function sourceLine(file: string, line: number): string | undefined {
  try {
    return readFileSync(file, "utf8").split("\n")[line - 1]?.replace(/\t/g, " ");
  } catch {
    return undefined;
  }
}
