/**
 * The benchmark's playbook: 41 tasks of the everyday kind (directories, copies, templates, lineinfile
 * edits, a few commands), written under each host's own `base` folder so the hosts never collide.
 * Every task is idempotent, so the second run changes nothing.
 */

import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const DIRS = ["etc", "etc/conf.d", "lib", "log", "run", "share"];
const COPIES = 12;
const TEMPLATES = 4;
const LINE_EDITS = 14;

function tasks() {
  const list = [];
  for (const dir of DIRS) {
    list.push(
      `    - name: directory ${dir}\n      file: { path: "{{ base }}/${dir}", state: directory, mode: "0755" }`,
    );
  }
  for (let i = 1; i <= COPIES; i++) {
    list.push(
      `    - name: copy file ${i}\n      copy:\n        dest: "{{ base }}/etc/conf.d/part-${i}.conf"\n` +
        `        content: "# part ${i}\\nkey${i} = value${i}\\n"\n        mode: "0644"`,
    );
  }
  for (let i = 1; i <= TEMPLATES; i++) {
    list.push(
      `    - name: template ${i}\n      template: { src: "templates/app.conf.j2", dest: "{{ base }}/etc/app-${i}.conf", mode: "0640" }`,
    );
  }
  for (let i = 1; i <= LINE_EDITS; i++) {
    const file = `{{ base }}/etc/settings-${(i % 3) + 1}.ini`;
    list.push(
      `    - name: line edit ${i}\n      lineinfile:\n        path: "${file}"\n        regexp: "^setting_${i} ="\n` +
        `        line: "setting_${i} = {{ inventory_hostname }}-${i}"\n        create: true\n        mode: "0644"`,
    );
  }
  list.push(
    `    - name: command marker\n      command: touch {{ base }}/run/marker\n      args: { creates: "{{ base }}/run/marker" }`,
  );
  list.push(
    `    - name: command seed\n      command: cp {{ base }}/etc/app-1.conf {{ base }}/share/seed.conf\n      args: { creates: "{{ base }}/share/seed.conf" }`,
  );
  list.push(
    `    - name: command read\n      command: cat {{ base }}/etc/settings-1.ini\n      changed_when: false`,
  );
  list.push(`    - name: command count\n      command: ls {{ base }}/etc/conf.d\n      changed_when: false`);
  list.push(`    - name: command identity\n      command: id -un\n      changed_when: false`);
  return list;
}

export const TEMPLATE = `# {{ inventory_hostname }}\nlisten = {{ listen_port }}\nname = {{ app_name }}\n`;

/** Writes bench.yml and its template into `dir`; returns the playbook path and its task count. */
export function writeBenchPlaybook(dir) {
  const list = tasks();
  mkdirSync(join(dir, "templates"), { recursive: true });
  writeFileSync(join(dir, "templates", "app.conf.j2"), TEMPLATE);
  const play =
    "- hosts: all\n  gather_facts: false\n  vars:\n    listen_port: 8080\n    app_name: bench\n  tasks:\n" +
    `${list.join("\n")}\n`;
  const path = join(dir, "bench.yml");
  writeFileSync(path, play);
  return { path, tasks: list.length };
}
