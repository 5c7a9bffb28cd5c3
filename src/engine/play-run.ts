import type { SourceLocation } from "../errors.js";
import type { Inventory } from "../inventory/index.js";
import type { LoadOptions } from "../load/context.js";
import type { Playbook, PlaySpec, Role, TaskNode } from "../load/model.js";
import { OMIT, renderValue } from "../vars/index.js";
import type { SecretRegistry } from "../vault/index.js";
import { TSIBLE_VERSION } from "../version.js";
import type { EventSink } from "./events.js";
import type { ConnectionHooks, HostState } from "./host.js";
import type { RunOptions } from "./options.js";
import { LayeredScope, markRendered, type VarLayer } from "./scope.js";

/** The run as a whole: shared by every play. */
export interface RunContext {
  playbook: Playbook;
  inventory: Inventory;
  options: RunOptions;
  emit: EventSink;
  secrets: SecretRegistry;
  hosts: Map<string, HostState>;
  /** What happens when a host's connection opens and closes: the run lock. */
  connectionHooks?: ConnectionHooks | undefined;
  loadOptions: LoadOptions;
  /** Set when the run is interrupted: no new task starts. */
  stopping: () => boolean;
  /** --start-at-task: false until the named task is reached. */
  startReached: boolean;
  /** --step answered "continue". */
  stepContinue?: boolean;
}

/** One play being run: its variables, and the scope builder every task uses. */
export class PlayRun {
  /** Play vars plus vars_files, loaded at play start. */
  readonly playVars: VarLayer;
  /** Hosts of the play (all batches) and of the current batch. */
  allHosts: string[] = [];
  batch: string[] = [];

  constructor(
    readonly run: RunContext,
    readonly play: PlaySpec,
    playVars: VarLayer,
  ) {
    this.playVars = playVars;
  }

  get options(): RunOptions {
    return this.run.options;
  }

  /** The variables a node sees on a host, lowest precedence first (DESIGN.md §3). */
  scopeFor(host: HostState, node: TaskNode | undefined, where?: SourceLocation): LayeredScope {
    const role = node?.parent.role;
    const layers: VarLayer[] = [];
    for (const r of this.play.roles) layers.push(r.defaults);
    if (role) layers.push(role.defaults);
    layers.push(host.inventoryVars, this.playVars);
    for (const r of this.play.roles) layers.push(r.vars);
    if (role) layers.push(role.vars);
    if (node) {
      layers.push(...node.parent.vars);
      if (node.type !== "block") layers.push(node.vars);
    }
    layers.push(markRendered(host.facts));
    if (role) layers.push(role.params);
    layers.push(this.options.extraVars);
    layers.push(markRendered(this.magicVars(host, role)));
    return new LayeredScope(layers, where ?? node?.location);
  }

  private magicVars(host: HostState, role: Role | undefined): VarLayer {
    const inventory = this.run.inventory;
    const magic: VarLayer = {
      inventory_hostname: host.name,
      inventory_hostname_short: host.name.split(".")[0],
      group_names: inventory.groupsOf(host.name),
      groups: inventory.groupMap(),
      playbook_dir: this.run.playbook.dir,
      ansible_check_mode: this.options.check,
      ansible_diff_mode: this.options.diff,
      ansible_verbosity: this.options.verbosity,
      ansible_play_name: this.play.name,
      ansible_play_hosts: this.batch.filter((h) => this.run.hosts.get(h)?.active),
      ansible_play_batch: this.batch,
      ansible_play_hosts_all: this.allHosts,
      ansible_run_tags: this.options.tags.length ? this.options.tags : ["all"],
      ansible_skip_tags: this.options.skipTags,
      ansible_version: { full: TSIBLE_VERSION, string: TSIBLE_VERSION, major: 0, minor: 1, revision: 0 },
      omit: OMIT,
      ansible_facts: {},
    };
    if (role) {
      magic.role_path = role.path;
      magic.role_name = role.name;
    }
    Object.defineProperty(magic, "ansible_date_time", { enumerable: true, get: dateTimeFacts });
    Object.defineProperty(magic, "hostvars", {
      enumerable: true,
      get: () => this.hostvars(),
    });
    return magic;
  }

  /** `hostvars`: every host's inventory vars and facts, rendered when read. */
  private hostvars(): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const [name, state] of this.run.hosts) {
      Object.defineProperty(out, name, {
        enumerable: true,
        get: () =>
          new LayeredScope([
            state.inventoryVars,
            markRendered(state.facts),
            this.options.extraVars,
            markRendered({ inventory_hostname: name, group_names: this.run.inventory.groupsOf(name) }),
          ]).asObject(),
      });
    }
    return out;
  }

  /** --start-at-task: tasks before the named one are passed over. */
  startReached(node: TaskNode): boolean {
    if (this.run.startReached) return true;
    const wanted = this.options.startAtTask;
    if (wanted === undefined || node.name === wanted || this.taskLabel(node) === wanted) {
      this.run.startReached = true;
    }
    return this.run.startReached;
  }

  /** --step: asks whether to run the task; "continue" runs this and every later task unasked. */
  async stepAllows(node: TaskNode, host?: HostState): Promise<boolean> {
    const ask = this.options.step;
    if (!ask || this.run.stepContinue) return true;
    const answer = await ask(this.taskLabel(node, host));
    if (answer === "continue") this.run.stepContinue = true;
    return answer !== "no";
  }

  /** The label Ansible prints in `TASK [...]`: `role : name`, or the module name. */
  taskLabel(node: TaskNode, host?: HostState): string {
    let name = node.name ?? (node.type === "task" ? node.moduleName : node.type);
    if (host && name.includes("{{")) {
      try {
        name = String(renderValue(name, this.scopeFor(host, node), node.location));
      } catch {
        // a name that cannot be rendered yet (it uses a loop item, say) is shown as written
      }
    }
    return node.parent.role ? `${node.parent.role.name} : ${name}` : name;
  }
}

/** The controller's clock in the shape of Ansible's `ansible_date_time` fact (local time). */
function dateTimeFacts(): Record<string, string> {
  const now = new Date();
  const pad = (n: number) => String(n).padStart(2, "0");
  const date = `${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())}`;
  const time = `${pad(now.getHours())}:${pad(now.getMinutes())}:${pad(now.getSeconds())}`;
  return {
    date,
    time,
    year: String(now.getFullYear()),
    month: pad(now.getMonth() + 1),
    day: pad(now.getDate()),
    hour: pad(now.getHours()),
    minute: pad(now.getMinutes()),
    second: pad(now.getSeconds()),
    epoch: String(Math.floor(now.getTime() / 1000)),
    iso8601: `${now.toISOString().slice(0, 19)}Z`,
    iso8601_basic_short: `${date.replaceAll("-", "")}T${time.replaceAll(":", "")}`,
    tz_offset: (() => {
      const m = -now.getTimezoneOffset();
      return `${m >= 0 ? "+" : "-"}${pad(Math.floor(Math.abs(m) / 60))}${pad(Math.abs(m) % 60)}`;
    })(),
  };
}
