/** The variable and expression language: Jinja-compatible expressions, `{{ }}` rendering, templates. */
export { evaluateCondition } from "./condition.js";
export { evaluate } from "./expr/evaluator.js";
export { pyStr as toText, truthy } from "./expr/values.js";
export { isOmit, OMIT, type Omit, stripOmitted } from "./omit.js";
export { isTemplated, renderString, renderValue } from "./render.js";
export { LazyMapping, layeredScope, mappingFromScope, scopeFromObject, type VarScope } from "./scope.js";
export { renderTemplateFile } from "./template/render-file.js";
