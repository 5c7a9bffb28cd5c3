/** tsible's version, as package.json says (test/cli/version.test.ts keeps the two in step). */
export const TSIBLE_VERSION = "0.1.0";
