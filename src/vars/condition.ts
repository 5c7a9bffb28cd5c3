import { type SourceLocation, TsibleError } from "../errors.js";
import { TaggedText } from "../load/tagged.js";
import { evaluate } from "./expr/evaluator.js";
import { pyStr, truthy, typeName } from "./expr/values.js";
import { renderString } from "./render.js";
import type { VarScope } from "./scope.js";

/** `{{ x }}` around a whole condition is accepted (Ansible warns about it but evaluates it). */
function unwrap(condition: string): string {
  const match = /^\s*\{\{([\s\S]*)\}\}\s*$/.exec(condition);
  return match && !match[1]!.includes("{{") ? match[1]! : condition;
}

/**
 * Evaluates `when:` (and `changed_when`, `failed_when`, `until`, `assert: that`): a bare
 * expression, a boolean or number, or a list of them that must all hold. The result is
 * Python's truthiness of the value; an empty condition is true, as in Ansible.
 */
export function evaluateCondition(condition: unknown, scope: VarScope, where?: SourceLocation): boolean {
  if (Array.isArray(condition)) return condition.every((item) => evaluateCondition(item, scope, where));
  if (condition === null || condition === undefined) return true;
  if (typeof condition === "boolean") return condition;
  if (typeof condition === "number") return condition !== 0;
  const text = condition instanceof TaggedText && condition.tag === "unsafe" ? condition.text : condition;
  if (typeof text !== "string") {
    throw new TsibleError(`a condition must be an expression, not ${typeName(condition)}`, {
      kind: "expression",
      ...(where ? { location: where } : {}),
    });
  }
  if (text.trim() === "") return true;
  let expression = unwrap(text);
  // Old Ansible style `"{{ x }} == 1"`: render the pieces first, then read the result as an expression.
  if (expression.includes("{{")) expression = pyStr(renderString(expression, scope, where));
  return truthy(evaluate(expression, scope, where));
}
