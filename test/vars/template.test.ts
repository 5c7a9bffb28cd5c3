import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { renderTemplateFile, scopeFromObject } from "../../src/vars/index.js";
import { failure, scope } from "./vars-fixture.js";

const fixture = join(import.meta.dirname, "fixtures", "nginx.conf.j2");

const render = (source: string, extra: Record<string, unknown> = {}) =>
  renderTemplateFile("templates/t.j2", source, scope(extra));

describe("Jinja templates as Ansible renders them", () => {
  it("renders a realistic template exactly as Jinja with trim_blocks does", () => {
    const vars = {
      domain: "api.ems.local",
      tls: true,
      plain: false,
      upstreams: [{ host: "a", port: 8000 }, { host: "b" }],
      env: { B: "x y", A: "1" },
      users: [{ name: "ann" }, { name: "bob" }],
      flag: true,
      nothing: null,
      list: [1, "a"],
    };
    // Output of Jinja 3.1 (StrictUndefined, trim_blocks, keep_trailing_newline) for the same file.
    const expected =
      "# managed by tsible\nserver_name api.ems.local;\nlisten 443 ssl;\n  server a:8000; # 1/2 first\n" +
      "  server b:80 # 2/2\nenv:\n  A=1\n  B='x y'\nno items\ntotal=2 (tls)\n  indentedraw: {{ not_rendered }}" +
      " {% if %}ann, bob\nTrue None [1, 'a']\n";
    const source = readFileSync(fixture, "utf8");
    expect(renderTemplateFile(fixture, source, scopeFromObject(vars))).toBe(expected);
  });

  it.each<[string, string, Record<string, unknown>?]>([
    ["{{ s }}", "Hello World"],
    ["{{ d.b.c }}", "hi"],
    ["{{ d['b'].c | upper }}!", "HI!"],
    ["{{ yes }}", "True"],
    ["{{ list }}", "[3, 1, 2]"],
    ["{{ missing | default('x') }}", "x"],
    ["{{ n * 2 }}", "6"],
    ["{{ {'a': {'b': 1}}.a.b }}", "1"],
    ["{% if n > 5 %}big{% elif n > 2 %}mid{% else %}small{% endif %}", "mid"],
    ["{% if missing is defined %}yes{% endif %}", ""],
    ["{% for x in list %}{{ loop.index0 }}{{ x }}{% endfor %}", "031122"],
    ["{% for x in list %}{{ x }}{% if not loop.last %},{% endif %}{% endfor %}", "3,1,2"],
    ["{% for x in list %}{{ loop.revindex }}{% endfor %}", "321"],
    ["{% for k in d %}{{ k }} {% endfor %}", "a b list "],
    ["{% for u in users if u.admin %}{{ loop.index }}{{ u.name }} {% endfor %}", "1ann 2cid "],
    ["{% for x in list if x > 5 %}{{ x }}{% else %}none{% endfor %}", "none"],
    ["{% for k, v in d.b.items() %}{{ k }}={{ v }}{% endfor %}", "c=hi"],
    ["{% for (k, v) in [['a', 1]] %}{{ k }}{{ v }}{% endfor %}", "a1"],
    [
      "{% for u in users %}{% for g in u.groups | default([]) %}{{ u.name }}:{{ g }}:{{ loop.index }} {% endfor %}{% endfor %}",
      "ann:wheel:1 ",
    ],
    [
      "{% for x in [1, 2] %}{% set y = x * 10 %}{{ y }} {% endfor %}{{ y | default('unset') }}",
      "10 20 unset",
    ],
    ["{% set a = 'A' %}{% if yes %}{% set a = 'B' %}{% endif %}{{ a }}", "B"],
    ["a\n{% if yes %}\nb\n{% endif %}\nc\n", "a\nb\nc\n"],
    ["  {% if yes %}\n  x\n  {% endif %}\ny", "    x\n  y"],
    ["a  {%- if yes -%}  b  {%- endif -%}  c", "abc"],
    ["a {{- s -}} b", "aHello Worldb"],
    ["{# gone #}\nkept\n", "kept\n"],
    ["x {#- gone -#} y", "xy"],
    ["{% raw %}{{ a }}{% endraw %}", "{{ a }}"],
    ["path C:\\{{ s }}", "path C:\\Hello World"],
    ["{{ '{{' }}", "{{"],
  ])("%j", (source, expected, extra) => {
    expect(render(source, extra)).toBe(expected);
  });
});

describe("Handlebars templates", () => {
  it.each<[string, string]>([
    ["{{#if yes}}on{{else}}off{{/if}}", "on"],
    ["{{#each list}}{{@index}}:{{this}} {{/each}}", "0:3 1:1 2:2 "],
    ["{{#each users}}{{name}}{{#if admin}}*{{/if}} {{/each}}", "ann* bob cid* "],
    ["{{#each users}}{{ name | upper }}{{#unless @last}},{{/unless}}{{/each}}", "ANN,BOB,CID"],
    ["{{#each users}}{{ name }}@{{ s }} {{/each}}", "ann@Hello World bob@Hello World cid@Hello World "],
    ["{{#with d.b}}{{c}}{{/with}}", "hi"],
    ['{{default missing "fallback"}} {{default s "fallback"}}', "fallback Hello World"],
    ["{{#if (eq n 3)}}three{{/if}}{{#if (ne n 3)}}other{{/if}}", "three"],
    ["{{#if (and yes (or no n))}}ok{{/if}}{{#if (not empty)}}!{{/if}}", "ok!"],
    ["{{json d.b}} {{json list 2}}", '{"c":"hi"} [\n  3,\n  1,\n  2\n]'],
    ["{{yaml d.b}}", "c: hi"],
    ["{{b64encode s}}", "SGVsbG8gV29ybGQ="],
    ['{{join list "-"}} {{join list}}', "3-1-2 3, 1, 2"],
    ["key:\n  {{indent (json d.b 2) 2}}", 'key:\n  {\n    "c": "hi"\n  }'],
    ["echo {{shquote s}}", "echo 'Hello World'"],
    ["{{#each list}}\n- {{this}}\n{{/each}}\n", "- 3\n- 1\n- 2\n"],
    ["{{!-- a comment --}}x", "x"],
    ["{{{s}}}", "Hello World"],
    ['<{{s}}> & "{{s}}"', '<Hello World> & "Hello World"'],
    ["{% for u in users %}{{#if u.admin}}{{ u.name }} {{/if}}{% endfor %}", "ann cid "],
  ])("%j", (source, expected) => {
    expect(render(source)).toBe(expected);
  });

  it("does not escape HTML", () => {
    expect(render("{{ v }}", { v: "<b>&'\"</b>" })).toBe("<b>&'\"</b>");
  });

  it("gives no access to prototypes", () => {
    expect(render('[{{lookup d "constructor"}}]')).toBe("[]");
    expect(render('{{#with d}}[{{lookup this "__proto__"}}]{{/with}}')).toBe("[]");
    expect(() => render("{{ d.constructor }}")).toThrow("access to 'constructor' is not allowed");
    expect(() => render("{{ s.__proto__ }}")).toThrow("access to '__proto__' is not allowed");
  });
});

describe("template errors name the template path and line", () => {
  it.each<[string, string, number, number]>([
    ["line1\nline2 {{ nope }}\n", "'nope' is undefined", 2, 7],
    ["{% if yes %}\n{% if yes %}\n\n  {{ d.zz }}\n{% endif %}{% endif %}", "'d.zz' is undefined", 4, 3],
    ["{% for u in users %}\n{{ u.age + u.nope }}\n{% endfor %}", "'u.nope' is undefined", 2, 1],
    ["{% for x in missing %}{% endfor %}", "'missing' is undefined", 1, 1],
    ["{% if missing %}{% endif %}", "'missing' is undefined", 1, 1],
    ["a\n{% if yes %}\n{% endfor %}", "unexpected '{% endfor %}' (expected {% endif %})", 3, 1],
    ["a\n\n{% for x in list %}", "'{% for %}' is never closed with '{% endfor %}'", 3, 1],
    ["x\n{% include 'other.j2' %}", "unsupported tag '{% include %}'", 2, 1],
    ["x\n{{ a | }}", "filter name expected at column 5 of expression: a |", 2, 1],
    ["{% if %}{% endif %}", "expression expected", 1, 1],
    ["{% for x in 5 %}{% endfor %}", "cannot loop over int", 1, 1],
    ["{% for a, b in list %}{% endfor %}", "cannot unpack 3 into a, b", 1, 1],
  ])("%j", (source, message, line, col) => {
    const err = failure(() => render(source));
    expect(err.kind).toBe("template");
    expect(err.message).toContain(message);
    expect(err.location).toEqual({ file: "templates/t.j2", line, col });
  });

  it("maps Handlebars syntax errors back to the original line after trimmed Jinja tags", () => {
    const err = failure(() => render("{% if yes %}\n{% endif %}\n{# c #}\nok\n{{#if yes}}\nnever closed\n"));
    expect(err.kind).toBe("template");
    expect(err.message).toMatch(/^template syntax error/);
    expect(err.location?.file).toBe("templates/t.j2");
    expect(err.location?.line).toBeGreaterThanOrEqual(5);
  });

  it("reports the hint for near-miss names", () => {
    const err = failure(() => render("{{ usres }}"));
    expect(err.hint).toBe("did you mean 'users'?");
  });
});

describe("templates of text and expressions only render without Handlebars", () => {
  // an empty Handlebars block at the very end sends the same text down the Handlebars path
  const throughHandlebars = (source: string, vars: Record<string, unknown>) =>
    render(`${source}{{#if true}}{{/if}}`, vars);

  it.each([
    "plain text, no expression at all\n",
    "host={{ domain }} port={{ 8080 + 1 }}\n{{ list | join(',') }} {{ flag }} {{ nothing }}\n",
    "a backslash before \\{{ domain }} and after {{ domain }}\\\n",
    "{# a comment #}\n  {{- domain -}}  \n{#- trimmed -#}\nend }} {x}\n",
    "{% raw %}{{ not_rendered }} {% if %}{% endraw %} {{ domain }}\n",
    "{{ '{{' }} quoted braces {{ '}}' }} {{ \"a\\\\b\" }}\r\nwindows\r\n",
  ])("%j", (source) => {
    const vars = { domain: "api.ems.local", flag: true, nothing: null, list: [1, "a"] };
    expect(render(source, vars)).toBe(throughHandlebars(source, vars));
  });
});

describe("compiled template cache", () => {
  it("reuses the compiled template for the same text with other variables", () => {
    const source = "{% for x in items %}{{ x }}{% endfor %}";
    expect(renderTemplateFile("a.j2", source, scopeFromObject({ items: [1, 2] }))).toBe("12");
    expect(renderTemplateFile("b.j2", source, scopeFromObject({ items: ["z"] }))).toBe("z");
    const err = failure(() => renderTemplateFile("c.j2", source, scopeFromObject({})));
    expect(err.location?.file).toBe("c.j2");
  });
});
