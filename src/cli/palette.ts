import { Chalk } from "chalk";
import { type Palette, plainPalette } from "../output/line.js";
import type { CliIO } from "./io.js";

/** Ansible's colours, following NO_COLOR / FORCE_COLOR, and plain text on pipes and dumb terminals. */
export function palette(io: CliIO): Palette {
  const env = io.env;
  const forced = env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== "0";
  const disabled = env.NO_COLOR !== undefined && env.NO_COLOR !== "";
  if (!forced && (disabled || !io.isTTY || env.TERM === "dumb")) return plainPalette;
  const c = new Chalk({ level: 1 });
  return {
    ok: c.green,
    changed: c.yellow,
    failed: c.red,
    skipped: c.cyan,
    unreachable: c.red,
    warn: c.magenta,
    diffAdd: c.green,
    diffDel: c.red,
    diffHunk: c.cyan,
  };
}
