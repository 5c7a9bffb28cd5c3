#!/usr/bin/env node
/**
 * Part of `npm run build`, after tsc and the validators: bundles dist/ and the pure-JS dependencies
 * into dist/tsible.cjs, then runs it on the repo's playbooks and on a local one so that
 * bin/load-cli.js stores V8's code cache beside it. Node 20 has no module compile cache: loading ~300 modules and compiling
 * them cost 300-500 ms at every start, more than a whole 40-task run's remote work.
 */

import { spawnSync } from "node:child_process";
import { randomUUID } from "node:crypto";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { writeBenchPlaybook } from "./bench/playbook.mjs";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
const DIST = join(ROOT, "dist");
const BUNDLE = join(DIST, "tsible.cjs");

/** The package a file belongs to, and the file's path inside it. */
function packageOf(file) {
  for (let dir = dirname(file); dir !== dirname(dir); dir = dirname(dir)) {
    const manifest = join(dir, "package.json");
    if (existsSync(manifest)) {
      const { name } = JSON.parse(readFileSync(manifest, "utf8"));
      if (name) return { name, inside: relative(dir, file).split(sep).join("/") };
    }
  }
  throw new Error(`no package.json above ${file}`);
}

/**
 * A native addon cannot be bundled: ssh2's sshcrypto.node is loaded from its installed package,
 * found at run time, so the bundle works wherever npm put ssh2.
 */
const nativeAddons = {
  name: "native-addons",
  setup(b) {
    b.onResolve({ filter: /\.node$/ }, (args) => ({
      path: join(args.resolveDir, args.path),
      namespace: "native-addon",
    }));
    b.onLoad({ filter: /.*/, namespace: "native-addon" }, (args) => {
      const { name, inside } = packageOf(args.path);
      // a variable, not a literal, so that esbuild leaves the lookup to run time
      const lines = [
        'const path = require("node:path");',
        `const manifest = ${JSON.stringify(`${name}/package.json`)};`,
        `module.exports = require(path.join(path.dirname(require.resolve(manifest)), ${JSON.stringify(inside)}));`,
      ];
      return {
        contents: lines.join("\n"),
        loader: "js",
      };
    });
  },
};

const BUILD_ID = randomUUID();
await build({
  entryPoints: [join(DIST, "cli/process.js")],
  outfile: BUNDLE,
  bundle: true,
  platform: "node",
  format: "cjs",
  target: "node20",
  // vm.Script (bin/load-cli.js) has no loader for import(): a lazy import of a node builtin or an
  // outside package becomes a require() when first reached
  supported: { "dynamic-import": false },
  // loaded with createRequire only when needed (a template Handlebars must render, a schema not
  // compiled ahead); cpu-features is an optional native package of ssh2's
  external: ["ajv", "handlebars", "cpu-features"],
  // the build id ties the code cache (bin/load-cli.js) and the parse cache (src/load/parse-cache.ts)
  // to this very bundle
  define: { "import.meta.url": "__tsible_bundle_url", __TSIBLE_BUILD_ID__: JSON.stringify(BUILD_ID) },
  banner: {
    js: `// tsible build ${BUILD_ID}\nconst __tsible_bundle_url = require("node:url").pathToFileURL(__filename).href;`,
  },
  plugins: [nativeAddons],
  // a smaller file reads and loads faster; the source map takes a bundle position back to src/
  // (Node does not apply it to a vm.Script, so stack traces show bundle line:column)
  minifyWhitespace: true,
  // bin/load-cli.js reads the bundle as latin1, cheaper than decoding UTF-8: only ASCII may be in it
  charset: "ascii",
  sourcemap: "linked",
  sourcesContent: false,
  logLevel: "warning",
});
const bundled = readFileSync(BUNDLE, "utf8");
const leftImport = /(?<![\w$.])import\(/.exec(bundled);
if (leftImport) throw new Error(`dist/tsible.cjs still calls import() at offset ${leftImport.index}`);
const notAscii = /[^\x00-\x7f]/.exec(bundled);
if (notAscii) throw new Error(`dist/tsible.cjs has a non-ASCII character at offset ${notAscii.index}`);

// The code cache holds what the warm-up runs compiled, each run adding to the last: a syntax check
// of every repo playbook (loading, roles, validation), twice: parsing, then reading the parse
// cache; then the everyday modules (file, copy, template, lineinfile, command) on this machine in
// a temp folder: a real run, a run that changes nothing and a --check --diff run. The SSH code is
// compiled at first use, as before. The parse cache of the warm-up is its own, in the temp folder.
const work = mkdtempSync(join(tmpdir(), "tsible-warm-up-"));
function warmUp(args) {
  const run = spawnSync(process.execPath, [join(ROOT, "bin/tsible.js"), ...args], {
    cwd: ROOT,
    env: {
      ...process.env,
      TSIBLE_STORE_CODE_CACHE: "1",
      NO_COLOR: "1",
      TSIBLE_CACHE_DIR: join(work, "parse-cache"),
      TSIBLE_NO_CACHE: "",
    },
    encoding: "utf8",
  });
  if (run.status !== 0) {
    throw new Error(
      `warm-up run failed (exit ${run.status}): tsible ${args.join(" ")}\n${run.stdout}${run.stderr}`,
    );
  }
}

rmSync(`${BUNDLE}.cache`, { force: true });
const playbooks = readdirSync(join(ROOT, "playbooks"))
  .filter((f) => /\.ya?ml$/.test(f))
  .map((f) => join(ROOT, "playbooks", f));
try {
  for (let i = 0; i < 2; i++) warmUp(["run", ...playbooks, "--syntax-check"]);
  const { path: playbook } = writeBenchPlaybook(work);
  const inventory = join(work, "inventory");
  writeFileSync(inventory, `warm-up ansible_connection=local base=${join(work, "host")}\n`);
  for (const extra of [[], [], ["--check", "--diff"]])
    warmUp(["run", playbook, "-i", inventory, "--no-lock", ...extra]);
} finally {
  rmSync(work, { recursive: true, force: true });
}
if (!existsSync(`${BUNDLE}.cache`)) throw new Error("the warm-up runs stored no code cache");
process.stdout.write(`bundled ${relative(ROOT, BUNDLE)} with its code cache\n`);
