import { describe, expect, it } from "vitest";
import { evaluate, renderValue } from "../../src/vars/index.js";
import { failure, scope } from "./vars-fixture.js";

const where = { file: "roles/web/tasks/main.yml", line: 12, col: 9 };

describe("undefined variables", () => {
  it.each([
    ["missing", "'missing' is undefined"],
    ["missing.attr", "'missing.attr' is undefined"],
    ["d.zz", "'d.zz' is undefined"],
    ["d.b.zz", "'d.b.zz' is undefined"],
    ["d['zz']", "'d['zz']' is undefined"],
    ["users[5]", "'users[5]' is undefined"],
    ["users[0].nope", "'users[0].nope' is undefined"],
    ["missing + 1", "'missing' is undefined"],
    ["missing == 1", "'missing' is undefined"],
    ["missing | upper", "'missing' is undefined"],
    ["[missing]", "'missing' is undefined"],
    ["'x' ~ missing", "'x' is undefined".replace("'x'", "'missing'")],
    ["yes and missing", "'missing' is undefined"],
    ["missing if yes else 1", "'missing' is undefined"],
    ["s | replace(missing, 'x')", "'missing' is undefined"],
    ["users | map(attribute='nope') | list", "'item.nope' is undefined"],
  ])("%s → %s", (expression, message) => {
    const err = failure(() => evaluate(expression, scope(), where));
    expect(err.kind).toBe("undefined");
    expect(err.message).toBe(message);
    expect(err.location).toEqual(where);
    expect(err.describe()).toContain(`roles/web/tasks/main.yml:12:9: ${message}`);
  });

  it("explains what is there instead", () => {
    expect(failure(() => evaluate("d.bb", scope())).hint).toBe(
      "'d' has no key 'bb' (did you mean 'b'?); its keys are: a, b, list",
    );
    expect(failure(() => evaluate("missing.attr", scope())).hint).toBe("'missing' is undefined");
    expect(failure(() => evaluate("usres", scope())).hint).toBe("did you mean 'users'?");
    expect(failure(() => evaluate("d.list[5]", scope())).hint).toBe(
      "index 5 is out of range: 'd.list' has 2 items",
    );
    expect(failure(() => evaluate("s.x", scope())).hint).toBe("'s' is a str, which has no attribute 'x'");
  });

  it("is fine under default, defined tests and mandatory", () => {
    expect(evaluate("missing.attr | default('ok')", scope())).toBe("ok");
    expect(evaluate("missing.attr is defined", scope())).toBe(false);
    expect(evaluate("missing is undefined", scope())).toBe(true);
    expect(evaluate("n | mandatory", scope())).toBe(3);
    const err = failure(() => evaluate("missing | mandatory", scope(), where));
    expect(err.kind).toBe("undefined");
    expect(err.location).toEqual(where);
  });

  it("does not read what is never evaluated", () => {
    expect(evaluate("missing is defined and missing > 1", scope())).toBe(false);
    expect(evaluate("1 if yes else missing", scope())).toBe(1);
  });

  it("treats a variable set to JavaScript undefined as undefined", () => {
    expect(evaluate("v is defined", scope({ v: undefined }))).toBe(false);
  });

  it("points errors inside YAML values at the value's own position", () => {
    const err = failure(() => renderValue("echo {{ nope }}", scope(), where));
    expect(err.kind).toBe("undefined");
    expect(err.message).toBe("'nope' is undefined");
    expect(err.location).toEqual(where);
  });
});
