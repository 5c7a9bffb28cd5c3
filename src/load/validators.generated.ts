import type { ValidateFunction } from "ajv";

/**
 * Empty in the source tree: `npm run build` replaces dist/load/validators.generated.js with the
 * validators scripts/compile-validators.mjs generates. A schema not found here is compiled by ajv
 * at run time (src/load/schemas.ts), so the source tree works without a build.
 */
export const validators: Record<string, ValidateFunction> = {};
