import { TsibleError } from "../../src/errors.js";
import { scopeFromObject, type VarScope } from "../../src/vars/index.js";

/** Variables shared by the expression tests. */
export const VARS = {
  n: 3,
  f: 2.5,
  zero: 0,
  s: "Hello World",
  empty: "",
  nothing: null,
  yes: true,
  no: false,
  list: [3, 1, 2],
  words: ["b", "A", "c", "a"],
  nested: [1, [2, [3, [4]]], null],
  d: { a: 1, b: { c: "hi" }, list: [10, 20] },
  users: [
    { name: "ann", admin: true, age: 30, groups: ["wheel"] },
    { name: "bob", admin: false, age: 25, groups: [] },
    { name: "cid", admin: true, age: 41 },
  ],
  path: "/etc/nginx/nginx.conf",
  result_changed: { changed: true, failed: false, rc: 0 },
  result_failed: { changed: false, failed: true, rc: 1 },
  result_skipped: { changed: false, skipped: true },
};

export function scope(extra: Record<string, unknown> = {}): VarScope {
  return scopeFromObject({ ...structuredClone(VARS), ...extra });
}

/** The TsibleError an action throws (anything else fails the test). */
export function failure(action: () => unknown): TsibleError {
  try {
    action();
  } catch (err) {
    if (err instanceof TsibleError) return err;
    throw err;
  }
  throw new Error("expected a TsibleError");
}
