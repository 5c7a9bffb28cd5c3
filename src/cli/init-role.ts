import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { TsibleError } from "../errors.js";
import type { CliIO } from "./io.js";

const SAFE_NAME = /^[a-z][a-z0-9_]*$/;

/** `tsible init role NAME [--path DIR]`: a new role with every folder and a test playbook. */
export function initCommand(argv: string[], io: CliIO): number {
  const [what, ...rest] = argv;
  if (what !== "role")
    throw new TsibleError(`tsible init: unknown kind '${what ?? ""}'`, {
      kind: "usage",
      hint: "tsible init role NAME [--path roles]",
    });
  const { name, path } = parseInitArgs(rest);
  const dir = initRole(name, path);
  io.out(`- Role ${name} was created successfully in ${relative(process.cwd(), dir) || dir}\n`);
  io.out(`  try it: tsible run ${relative(process.cwd(), join(dir, "tests/test.yml"))}\n`);
  return 0;
}

function parseInitArgs(argv: string[]): { name: string; path: string } {
  let path = "roles";
  let name: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === "--path" || arg === "-p" || arg === "--init-path") {
      const value = argv[++i];
      if (value === undefined) throw new TsibleError(`${arg} needs a folder`, { kind: "usage" });
      path = value;
    } else if (arg.startsWith("--path=")) path = arg.slice("--path=".length);
    else if (arg.startsWith("-")) throw new TsibleError(`unknown option '${arg}'`, { kind: "usage" });
    else if (name === undefined) name = arg;
    else
      throw new TsibleError(`tsible init role takes one name, got '${name}' and '${arg}'`, { kind: "usage" });
  }
  if (name === undefined)
    throw new TsibleError("tsible init role needs a NAME", { kind: "usage", hint: "tsible init role NAME" });
  return { name, path };
}

/** Creates the role's folder under `base`; refuses unsafe names and existing roles. */
export function initRole(name: string, base: string): string {
  if (!SAFE_NAME.test(name))
    throw new TsibleError(`'${name}' is not a safe role name`, {
      kind: "usage",
      hint: "use lower-case letters, digits and '_', starting with a letter (e.g. 'backup_db')",
    });
  const dir = resolve(base, name);
  if (existsSync(dir))
    throw new TsibleError(`role '${name}' already exists at ${dir}; nothing was changed`, {
      kind: "usage",
      hint: "pick another name, or remove the folder first",
    });
  for (const [file, text] of Object.entries(roleFiles(name))) {
    const target = join(dir, file);
    mkdirSync(join(target, ".."), { recursive: true });
    if (text !== undefined) writeFileSync(target, text, { flag: "wx" });
  }
  return dir;
}

/** The scaffold; `undefined` marks an empty folder (kept with a .gitkeep). */
function roleFiles(name: string): Record<string, string | undefined> {
  return {
    "tasks/main.yml": `---
# Tasks of the ${name} role. Each task: a name, one module, its options.
- name: ${name} | make sure the data folder exists
  file:
    path: "{{ ${name}_dir }}"
    state: directory
    mode: "0755"
`,
    "handlers/main.yml": `---
# Handlers run once, at the end of the play, when a task notifies them (notify: NAME).
[]
`,
    "defaults/main.yml": `---
# Defaults of the ${name} role: the lowest precedence, override them in inventory or play vars.
${name}_dir: /tmp/${name}
`,
    "meta/main.yml": `---
galaxy_info:
  role_name: ${name}
  description: TODO say what ${name} does
dependencies: []
`,
    "templates/.gitkeep": "",
    "files/.gitkeep": "",
    "README.md": `# ${name}

TODO: what this role does, and on which hosts.

## Variables

| Variable | Default | Meaning |
| --- | --- | --- |
| \`${name}_dir\` | \`/tmp/${name}\` | the folder the role manages |

## Try it

\`\`\`sh
tsible run roles/${name}/tests/test.yml --check --diff
tsible run roles/${name}/tests/test.yml
\`\`\`
`,
    "tests/test.yml": `---
# Runs the role on this machine: tsible run roles/${name}/tests/test.yml
- hosts: localhost
  gather_facts: false
  roles:
    - role: ${name}
`,
  };
}
