import type { Inventory } from "../inventory/index.js";
import type { Playbook, TaskNode } from "../load/model.js";
import type { RunArgs } from "./args.js";

/** --list-hosts / --list-tasks / --list-tags, in ansible-playbook's layout. */
export function listPlaybook(playbook: Playbook, inventory: Inventory, args: RunArgs): string {
  const lines = ["", `playbook: ${playbook.file}`];
  playbook.plays.forEach((play, i) => {
    const pattern = String(play.hosts);
    let hosts = inventory.match(pattern);
    if (args.limit) {
      const allowed = new Set(inventory.match(args.limit));
      hosts = hosts.filter((h) => allowed.has(h));
    }
    lines.push("", `  play #${i + 1} (${pattern}): ${play.name}\tTAGS: [${play.tags.join(", ")}]`);
    if (args.listHosts) {
      lines.push(`    pattern: ['${pattern}']`, `    hosts (${hosts.length}):`);
      for (const h of hosts) lines.push(`      ${h}`);
    }
    const tasks = [...play.preTasks, ...play.tasks, ...play.postTasks];
    if (args.listTags) {
      const tags = new Set<string>(play.tags);
      walk(tasks, (node) => {
        for (const t of [...node.parent.tags, ...node.tags]) tags.add(t);
      });
      lines.push(`      TASK TAGS: [${[...tags].sort().join(", ")}]`);
    }
    if (args.listTasks) {
      lines.push("    tasks:");
      walk(tasks, (node) => {
        if (node.type === "block") return;
        const name = node.name ?? (node.type === "task" ? node.moduleName : node.type);
        const label = node.parent.role ? `${node.parent.role.name} : ${name}` : name;
        const tags = [...new Set([...play.tags, ...node.parent.tags, ...node.tags])];
        lines.push(`      ${label}\tTAGS: [${tags.join(", ")}]`);
      });
    }
  });
  return `${lines.join("\n")}\n`;
}

function walk(nodes: TaskNode[], visit: (node: TaskNode) => void): void {
  for (const node of nodes) {
    visit(node);
    if (node.type === "block") {
      walk(node.block, visit);
      walk(node.rescue, visit);
      walk(node.always, visit);
    }
  }
}
