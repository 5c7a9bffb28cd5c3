import { existsSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, isAbsolute, join, relative, resolve } from "node:path";
import { formatLocation, isTsibleError, type SourceLocation, TsibleError } from "../errors.js";
import type { LoadOptions } from "../load/context.js";
import type { Playbook, TaskNode, TaskSpec } from "../load/model.js";
import { loadPlaybook } from "../load/playbook.js";
import { validateWithSchema } from "../load/schemas.js";
import type { CliIO } from "./io.js";

export interface LintProblem {
  location: SourceLocation | undefined;
  message: string;
  hint?: string;
}

/**
 * `tsible lint [PATH...]`: loads every playbook (default: playbooks/) with the real loader, and
 * every role under roles/ that no playbook uses, then checks what can be known without a host:
 * templates and files referenced by name exist, notified handlers are defined. Exit 1 on problems.
 */
export function lintCommand(argv: string[], io: CliIO): number {
  for (const arg of argv)
    if (arg.startsWith("-"))
      throw new TsibleError(`unknown option '${arg}'`, {
        kind: "usage",
        hint: "tsible lint [PLAYBOOK|FOLDER...]",
      });
  const files = playbookFiles(argv.length ? argv : ["playbooks"]);
  const { problems, checked } = lintProject(files, process.cwd());
  for (const p of problems) io.out(`${formatProblem(p)}\n`);
  io.out(`${checked} file(s) checked, ${problems.length} problem(s)\n`);
  return problems.length ? 1 : 0;
}

export function formatProblem(p: LintProblem): string {
  const where = p.location ? `${relativeLocation(p.location)}: ` : "";
  return `${where}${p.message}${p.hint ? `\n  hint: ${p.hint}` : ""}`;
}

function relativeLocation(loc: SourceLocation): string {
  const rel = relative(process.cwd(), loc.file);
  return formatLocation({ ...loc, file: rel.startsWith("..") ? loc.file : rel });
}

/** Playbook files under the given paths: files as given, folders searched for *.yml / *.yaml. */
export function playbookFiles(paths: string[]): string[] {
  const out: string[] = [];
  for (const path of paths) {
    if (!existsSync(path)) throw new TsibleError(`no such playbook or folder: ${path}`, { kind: "usage" });
    if (statSync(path).isFile()) out.push(resolve(path));
    else
      for (const entry of readdirSync(path).sort()) {
        const full = join(path, entry);
        if (statSync(full).isDirectory()) {
          // a playbooks/ folder may hold its own roles/, group_vars/ and task files
          if (!["roles", "group_vars", "host_vars", "tasks", "vars", "templates", "files"].includes(entry))
            out.push(...playbookFiles([full]));
        } else if (/\.ya?ml$/.test(entry)) out.push(resolve(full));
      }
  }
  return out;
}

export function lintProject(
  files: string[],
  projectDir: string,
): { problems: LintProblem[]; checked: number } {
  const problems: LintProblem[] = [];
  const options: LoadOptions = {
    projectDir,
    decrypt: () => {
      throw new TsibleError("vault-encrypted: not checked by lint", { kind: "vault" });
    },
  };
  const usedRoles = new Set<string>();
  for (const file of files) {
    const playbook = tryLoad(file, options, problems);
    if (playbook) {
      problems.push(...checkPlaybook(playbook));
      for (const play of playbook.plays) for (const role of play.roles) usedRoles.add(resolve(role.path));
    }
  }
  let checked = files.length;
  const rolesDir = join(projectDir, "roles");
  if (existsSync(rolesDir)) {
    const scratch = mkdtempSync(join(tmpdir(), "tsible-lint-"));
    try {
      for (const name of readdirSync(rolesDir).sort()) {
        const dir = join(rolesDir, name);
        if (!statSync(dir).isDirectory() || usedRoles.has(resolve(dir))) continue;
        // an unused role is checked through a one-line play that uses it
        const file = join(scratch, `${name}.yml`);
        writeFileSync(file, `- hosts: localhost\n  roles:\n    - role: ${JSON.stringify(dir)}\n`);
        const playbook = tryLoad(file, options, problems);
        if (playbook) problems.push(...checkPlaybook(playbook));
        checked++;
      }
    } finally {
      rmSync(scratch, { recursive: true, force: true });
    }
  }
  return { problems, checked };
}

function tryLoad(file: string, options: LoadOptions, problems: LintProblem[]): Playbook | undefined {
  try {
    return loadPlaybook(file, options);
  } catch (err) {
    if (!isTsibleError(err)) throw err;
    if (err.kind === "vault") return undefined;
    problems.push({
      location: err.location ?? { file, line: 1, col: 1 },
      message: err.message,
      ...(err.hint ? { hint: err.hint } : {}),
    });
    return undefined;
  }
}

/** Problems visible in a loaded playbook: missing local files, notify without a handler. */
export function checkPlaybook(playbook: Playbook): LintProblem[] {
  const problems: LintProblem[] = [];
  for (const play of playbook.plays) {
    const handlerNames = new Set<string>();
    walk(play.handlers, (task) => {
      if (task.name) handlerNames.add(task.name);
      for (const topic of task.listen) handlerNames.add(topic);
    });
    walk([...play.preTasks, ...play.tasks, ...play.postTasks, ...play.handlers], (task) => {
      for (const name of task.notify) {
        if (name.includes("{{") || handlerNames.has(name)) continue;
        problems.push({
          location: task.location,
          message: `notify '${name}': no handler of that name (or listen topic) in this play`,
          hint: handlerNames.size ? `handlers: ${[...handlerNames].join(", ")}` : "add it under handlers:",
        });
      }
      const missing = missingLocalFile(task, playbook.dir);
      if (missing) problems.push(missing);
      const badArgs = argumentProblem(task);
      if (badArgs) problems.push(badArgs);
    });
  }
  return problems;
}

/** Module options are checked at run time after rendering; without `{{ }}` they can be checked now. */
function argumentProblem(task: TaskSpec): LintProblem | undefined {
  if (JSON.stringify(task.args ?? {}).includes("{{")) return undefined;
  try {
    validateWithSchema(task.module.schema, task.args ?? {}, `module ${task.module.name}`, task.location);
    return undefined;
  } catch (err) {
    if (!isTsibleError(err)) throw err;
    return {
      location: err.location ?? task.location,
      message: err.message,
      ...(err.hint ? { hint: err.hint } : {}),
    };
  }
}

const LOCAL_SOURCES: Record<string, "templates" | "files"> = { template: "templates", copy: "files" };

function missingLocalFile(task: TaskSpec, playbookDir: string): LintProblem | undefined {
  const kind = LOCAL_SOURCES[task.module.name];
  const args = task.args as Record<string, unknown> | undefined;
  const src = args?.src;
  if (!kind || typeof src !== "string" || src.includes("{{") || args?.remote_src === true) return undefined;
  if (task.loop !== undefined) return undefined;
  const candidates = isAbsolute(src)
    ? [src]
    : [
        ...(task.parent.role
          ? [join(task.parent.role.path, kind, src), join(task.parent.role.path, src)]
          : []),
        join(playbookDir, kind, src),
        join(playbookDir, src),
      ];
  if (candidates.some((c) => existsSync(c))) return undefined;
  return {
    location: task.location,
    message: `${task.module.name}: src '${src}' not found`,
    hint: `looked for ${candidates.map((c) => relative(process.cwd(), c) || basename(c)).join(", ")}`,
  };
}

function walk(nodes: TaskNode[], visit: (task: TaskSpec) => void): void {
  for (const node of nodes) {
    if (node.type === "task") visit(node);
    else if (node.type === "block") {
      walk(node.block, visit);
      walk(node.rescue, visit);
      walk(node.always, visit);
    }
  }
}
