import type { FileDiff } from "../types.js";

/** Ansible's limit (max_diff_size) above which content diffs are skipped. */
export const MAX_DIFF_SIZE = 104_448;

function looksBinary(data: Buffer): boolean {
  return data.subarray(0, 8192).includes(0);
}

/**
 * A content diff (before/after text) of a file, or, for binary or very large content, a note saying
 * why it was skipped, as Ansible prints it.
 */
export function contentDiff(
  before: Buffer | undefined,
  after: Buffer | undefined,
  headers: { before: string; after: string },
): FileDiff {
  const base = { before_header: headers.before, after_header: headers.after };
  if (before && looksBinary(before))
    return { ...base, prepared: "diff skipped: destination file appears to be binary" };
  if (after && looksBinary(after))
    return { ...base, prepared: "diff skipped: source file appears to be binary" };
  if (before && before.length > MAX_DIFF_SIZE)
    return { ...base, prepared: `diff skipped: destination file size is greater than ${MAX_DIFF_SIZE}` };
  if (after && after.length > MAX_DIFF_SIZE)
    return { ...base, prepared: `diff skipped: source file size is greater than ${MAX_DIFF_SIZE}` };
  return { ...base, before: before?.toString("utf8") ?? "", after: after?.toString("utf8") ?? "" };
}

function sortedKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortedKeys);
  if (value && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort())
      out[key] = sortedKeys((value as Record<string, unknown>)[key]);
    return out;
  }
  return value;
}

/** Renders an attribute dict the way Ansible's output shows dict diffs: sorted JSON, 4 spaces. */
export function renderAttributes(attributes: Record<string, unknown>): string {
  return `${JSON.stringify(sortedKeys(attributes), null, 4)}\n`;
}

/** A before/after diff of attributes (path, state, mode, owner, group, src). */
export function attributeDiff(
  before: Record<string, unknown>,
  after: Record<string, unknown>,
  header?: string,
): FileDiff {
  return {
    before: renderAttributes(before),
    after: renderAttributes(after),
    ...(header ? { before_header: header, after_header: header } : {}),
  };
}
