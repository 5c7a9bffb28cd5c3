import { describe, expect, it } from "vitest";
import { runLocal } from "../../../src/connection/local.js";
import { parseFreeForm } from "../../../src/modules/common/free-form.js";
import { formatMode, parseMode } from "../../../src/modules/common/mode.js";
import { shellJoin, shellQuoteExpandingVars, shellSplit } from "../../../src/modules/common/shell-words.js";
import freeFormCases from "./free-form-ansible.json" with { type: "json" };
import symbolicCases from "./symbolic-modes-ansible.json" with { type: "json" };

const commandKeys = [
  "_raw_params",
  "cmd",
  "argv",
  "chdir",
  "creates",
  "removes",
  "stdin",
  "stdin_add_newline",
];

describe("parseFreeForm matches Ansible's parse_kv", () => {
  // recorded from ansible.parsing.splitter.parse_kv (ansible-core 2.14)
  it.each(freeFormCases.map((c) => [c.text, c] as const))("%j", (_text, c) => {
    expect(parseFreeForm(c.text, c.mode as "kv" | "command", commandKeys)).toEqual(c.expected);
  });

  it("keeps command options the module does not know in the command", () => {
    expect(parseFreeForm("echo hi executable=/bin/bash", "command", commandKeys)).toEqual({
      _raw_params: "echo hi executable=/bin/bash",
    });
  });

  it("rejects unbalanced quotes and blocks", () => {
    expect(() => parseFreeForm("echo 'open", "command", commandKeys)).toThrow(
      /unbalanced jinja2 block or quotes/,
    );
    expect(() => parseFreeForm("msg={{ x", "kv", [])).toThrow(/unbalanced/);
  });
});

describe("modes", () => {
  // recorded from AnsibleModule._symbolic_mode_to_octal with umask 022
  it.each(symbolicCases.map((c) => [c.mode, c.current.toString(8), c.dir ? "dir" : "file", c] as const))(
    "%s on %s (%s)",
    (_m, _cur, _kind, c) => {
      expect(formatMode(parseMode(c.mode)(c.current, c.dir, 0o022))).toBe(formatMode(c.expected));
    },
  );

  it("reads octal text and YAML integers, and refuses the rest", () => {
    expect(parseMode("0644")(0, false, 0o022)).toBe(0o644);
    expect(parseMode("755")(0, false, 0o022)).toBe(0o755);
    expect(parseMode("01777")(0, true, 0o022)).toBe(0o1777);
    expect(parseMode(0o600)(0, false, 0o022)).toBe(0o600);
    expect(() => parseMode("rw-r--r--")).toThrow(/mode must be in octal or symbolic form/);
    expect(() => parseMode("u=rwz")).toThrow(/bad symbolic permission/);
    expect(() => parseMode("99999")).toThrow();
    expect(formatMode(0o644)).toBe("0644");
    expect(formatMode(0o4755)).toBe("04755");
  });
});

describe("shell words", () => {
  it("splits like Python's shlex", () => {
    expect(shellSplit(`echo "a b" 'c d' e\\ f "x\\"y" ''`)).toEqual(["echo", "a b", "c d", "e f", 'x"y', ""]);
    expect(() => shellSplit(`echo "open`)).toThrow(/no closing quotation/);
  });

  it("quoted words reach the program unchanged through a real sh", async () => {
    const words = ["printf", "%s\\n", "it's", "a b", "$(id)", "`x`", "*", "; rm -rf /", "", "ü"];
    const res = await runLocal(shellJoin(words));
    expect(res.stdout).toBe(`${words.slice(2).join("\n")}\n`);
  });

  // biome-ignore lint/suspicious/noTemplateCurlyInString: shell text, not a template
  it("expands $VAR, ${VAR} and ~ as Python's expandvars/expanduser do, nothing else", async () => {
    const words = [
      "$HOME/x",
      // biome-ignore lint/suspicious/noTemplateCurlyInString: shell text, not a template
      "${HOME}",
      "$TSIBLE_UNSET",
      // biome-ignore lint/suspicious/noTemplateCurlyInString: shell text, not a template
      "${TSIBLE_UNSET}",
      "~",
      "~/y",
      "a~b",
      "$(id)",
      "'$HOME'",
    ];
    const res = await runLocal(`printf '%s\\n' ${words.map(shellQuoteExpandingVars).join(" ")}`);
    const home = process.env.HOME;
    expect(res.stdout.split("\n").slice(0, -1)).toEqual([
      `${home}/x`,
      `${home}`,
      "$TSIBLE_UNSET",
      // biome-ignore lint/suspicious/noTemplateCurlyInString: shell text, not a template
      "${TSIBLE_UNSET}",
      `${home}`,
      `${home}/y`,
      "a~b",
      "$(id)",
      `'${home}'`,
    ]);
  });
});
