import { posix } from "node:path";
import type { ExecResult } from "../../connection/types.js";
import type { ModuleContext } from "../types.js";
import { ModuleFailure } from "./failure.js";
import { shellJoin, shellSplit } from "./shell-words.js";

/** Fails early, in check mode too, for a `validate` without `%s`, as Ansible does before validating. */
export function requirePlaceholder(validate: string): void {
  if (!validate.includes("%s")) throw new ModuleFailure(`validate must contain %s: ${validate}`);
}

/**
 * Runs `validate` on `content` before it is installed: the content goes to a temp file on the host
 * with the final mode and owner, `%s` is replaced by that file's path, and the command runs without
 * a shell (its words split like Ansible's run_command). Not run in check mode, as in Ansible.
 */
export async function validateContent(
  ctx: ModuleContext,
  validate: string,
  content: Buffer,
  dest: string,
  attributes: { mode?: number; owner?: string; group?: string },
  failure: (res: ExecResult) => ModuleFailure = (res) =>
    new ModuleFailure("failed to validate", { exit_status: res.rc, stdout: res.stdout, stderr: res.stderr }),
): Promise<void> {
  requirePlaceholder(validate);
  if (ctx.check) return;
  const made = await ctx.exec("mktemp -d");
  const dir = made.stdout.trim();
  if (made.rc !== 0 || !dir.startsWith("/"))
    throw new ModuleFailure(`cannot create a temporary directory for validate: ${made.stderr.trim()}`);
  try {
    const temp = posix.join(dir, posix.basename(dest));
    await ctx.files.writeFile(temp, content, { mode: attributes.mode ?? 0o600, ...ownerOf(attributes) });
    const words = shellSplit(validate.replaceAll("%%", "\u0000")).map((w) =>
      w.replaceAll("%s", temp).replaceAll("\u0000", "%"),
    );
    const res = await ctx.exec(shellJoin(words));
    if (res.rc !== 0) throw failure(res);
  } finally {
    await ctx.files.remove(dir, { recursive: true });
  }
}

function ownerOf(attributes: { owner?: string; group?: string }): { owner?: string; group?: string } {
  return {
    ...(attributes.owner === undefined ? {} : { owner: attributes.owner }),
    ...(attributes.group === undefined ? {} : { group: attributes.group }),
  };
}
