/** tsible's version, as package.json says (test/cli/version.test.ts keeps the two in step). */
export const TSIBLE_VERSION = "0.1.0";

declare const __TSIBLE_BUILD_ID__: string | undefined;

/** The random id of the bundle this runs from (scripts/bundle.mjs); undefined when not bundled. */
export const TSIBLE_BUILD_ID: string | undefined =
  typeof __TSIBLE_BUILD_ID__ === "string" ? __TSIBLE_BUILD_ID__ : undefined;
