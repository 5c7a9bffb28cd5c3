#!/usr/bin/env node
// CommonJS (bin/package.json): an ES module entry would start Node's ES loader, 10-20 ms of every run
const cli = require("./load-cli.js").loadCli();
Promise.resolve(cli).then((loaded) => loaded.runFromProcess());
