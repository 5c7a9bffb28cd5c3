/** Turns the measurements into target checks, a printed table, the results file and a history line. */

import { appendFileSync, existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { round } from "./stats.mjs";

export const TARGETS = {
  speedupVsAnsible: 20,
  overheadVsFloor: 3,
  coldStartMs: 200,
  peakMemoryMb: 150,
};

/** Pass/fail of each target; `pass` is undefined when it could not be measured here. */
export function checkTargets(results) {
  const checks = [];
  const { cases, floor, coldStart, tasks } = results;
  for (const hosts of [1, 10]) {
    const ts = cases.find((c) => c.tool === "tsible" && c.hosts === hosts);
    const an = cases.find((c) => c.tool === "ansible" && c.hosts === hosts);
    for (const run of ["first", "second"]) {
      const key = `${run}Ms`;
      const ratio = an && ts ? round(an[key] / ts[key], 1) : undefined;
      checks.push({
        target: `≥${TARGETS.speedupVsAnsible}× vs Ansible, ${hosts} host(s), ${run} run`,
        value: ratio === undefined ? "ansible-playbook not installed" : `${ratio}×`,
        pass: ratio === undefined ? undefined : ratio >= TARGETS.speedupVsAnsible,
      });
    }
    if (ts) {
      // the time inside the tasks (first task start to last result): start-up has its own target
      const perTask = round((ts.secondTaskSpanMs ?? ts.secondMs) / (tasks * hosts), 2);
      checks.push({
        target: `per-task overhead ≤${TARGETS.overheadVsFloor}× floor (${floor.floorMs} ms), ${hosts} host(s), inside the tasks`,
        value: `${perTask} ms = ${round(perTask / floor.floorMs, 1)}× floor`,
        pass: perTask <= TARGETS.overheadVsFloor * floor.floorMs,
      });
    }
  }
  // judged with the parse cache a previous run left; the empty-cache rows are reported beside them
  for (const c of coldStart.commands.filter((row) => !row.baseline && !row.emptyCache)) {
    checks.push({
      target: `cold start <${TARGETS.coldStartMs} ms: ${c.name}`,
      value: `${c.medianMs} ms`,
      pass: c.medianMs < TARGETS.coldStartMs,
    });
  }
  const ten = cases.find((c) => c.tool === "tsible" && c.hosts === 10);
  checks.push({
    target: `peak memory <${TARGETS.peakMemoryMb} MB at 10 hosts`,
    value: ten?.peakRssMb === undefined ? "not measured (no /usr/bin/time)" : `${ten.peakRssMb} MB`,
    pass: ten?.peakRssMb === undefined ? undefined : ten.peakRssMb < TARGETS.peakMemoryMb,
  });
  return checks;
}

function table(rows) {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => String(r[i]).length)));
  return rows.map((r) => r.map((cell, i) => String(cell).padEnd(widths[i])).join("  ")).join("\n");
}

export function printReport(results, checks) {
  const out = [];
  out.push(
    `tsible benchmark ${results.date} · commit ${results.commit} · ${results.cpus} CPUs · load ${results.loadAverage.join(" ")}`,
  );
  out.push(
    `playbook: ${results.tasks} tasks · user ${results.user} · forks 10 · ${results.ansibleVersion ?? "no ansible"}`,
  );
  out.push("");
  const rows = [
    [
      "case",
      "tsible first",
      "tsible second",
      "ansible first",
      "ansible second",
      "ratio first",
      "ratio second",
    ],
  ];
  for (const hosts of [1, 10]) {
    const ts = results.cases.find((c) => c.tool === "tsible" && c.hosts === hosts);
    const an = results.cases.find((c) => c.tool === "ansible" && c.hosts === hosts);
    rows.push([
      `${hosts} host(s)`,
      `${ts.firstMs} ms`,
      `${ts.secondMs} ms`,
      an ? `${an.firstMs} ms` : "-",
      an ? `${an.secondMs} ms` : "-",
      an ? `${round(an.firstMs / ts.firstMs, 1)}×` : "-",
      an ? `${round(an.secondMs / ts.secondMs, 1)}×` : "-",
    ]);
  }
  out.push(table(rows));
  out.push("");
  const f = results.floor;
  out.push(
    `floor (median of ${f.samples}): exec round trip ${f.execMs} ms + SFTP stat ${f.sftpStatMs} ms = ${f.floorMs} ms`,
  );
  for (const ts of results.cases.filter((c) => c.tool === "tsible")) {
    const inTasks =
      ts.secondTaskSpanMs === undefined
        ? ""
        : `; inside the tasks ${round(ts.secondTaskSpanMs / (results.tasks * ts.hosts), 2)} ms`;
    out.push(
      `tsible second run per task per host, ${ts.hosts} host(s): ${round(ts.secondMs / (results.tasks * ts.hosts), 2)} ms${inTasks}`,
    );
  }
  out.push("");
  const dropped = results.coldStart.droppedEnv?.length
    ? `; without ${results.coldStart.droppedEnv.join(", ")}`
    : "";
  out.push(`cold start (${results.coldStart.tool}, ${results.coldStart.runs} runs, median${dropped}):`);
  for (const c of results.coldStart.commands) out.push(`  ${String(c.medianMs).padStart(7)} ms  ${c.name}`);
  out.push("");
  const checkRows = [["target", "measured", "result"]];
  for (const c of checks)
    checkRows.push([c.target, c.value, c.pass === undefined ? "n/a" : c.pass ? "PASS" : "FAIL"]);
  out.push(table(checkRows));
  out.push("");
  out.push(`results: ${results.file}`);
  process.stdout.write(`${out.join("\n")}\n`);
}

/** bench/results-<date>.json (a suffix when that day already has one) and a line in HISTORY.md. */
export function saveResults(benchDir, results, checks) {
  let file = join(benchDir, `results-${results.date}.json`);
  for (let n = 2; existsSync(file); n++) file = join(benchDir, `results-${results.date}-${n}.json`);
  results.file = file;
  writeFileSync(file, `${JSON.stringify({ ...results, file: undefined, checks }, null, 2)}\n`);
  const history = join(benchDir, "HISTORY.md");
  if (!existsSync(history)) {
    writeFileSync(
      history,
      "# Benchmark history\n\nOne line per `npm run bench` (times are medians; ratio = ansible / tsible; " +
        "per task = second run / (tasks × hosts)).\n\n" +
        "| date | commit | load | 1 host 1st / 2nd | 10 hosts 1st / 2nd | ratio 1h / 10h (2nd) | per task 1h / 10h | floor | --version | peak MB | targets |\n" +
        "|---|---|---|---|---|---|---|---|---|---|---|\n",
    );
  }
  const ts1 = results.cases.find((c) => c.tool === "tsible" && c.hosts === 1);
  const ts10 = results.cases.find((c) => c.tool === "tsible" && c.hosts === 10);
  const an1 = results.cases.find((c) => c.tool === "ansible" && c.hosts === 1);
  const an10 = results.cases.find((c) => c.tool === "ansible" && c.hosts === 10);
  const ratio = (an, ts) => (an ? `${round(an.secondMs / ts.secondMs, 1)}×` : "-");
  const version = results.coldStart.commands.find((c) => c.name === "tsible --version");
  const passed = checks.filter((c) => c.pass === true).length;
  const failed = checks.filter((c) => c.pass === false).length;
  const cells = [
    results.date,
    results.commit,
    results.loadAverage[0],
    `${ts1.firstMs} / ${ts1.secondMs} ms`,
    `${ts10.firstMs} / ${ts10.secondMs} ms`,
    `${ratio(an1, ts1)} / ${ratio(an10, ts10)}`,
    `${round(ts1.secondMs / results.tasks, 1)} / ${round(ts10.secondMs / (results.tasks * 10), 1)} ms` +
      (ts1.secondTaskSpanMs && ts10.secondTaskSpanMs
        ? ` (in tasks ${round(ts1.secondTaskSpanMs / results.tasks, 1)} / ${round(ts10.secondTaskSpanMs / (results.tasks * 10), 1)})`
        : ""),
    `${results.floor.floorMs} ms`,
    `${version?.medianMs} ms`,
    `${ts10.peakRssMb ?? "-"}`,
    `${passed} pass, ${failed} fail`,
  ];
  appendFileSync(history, `| ${cells.join(" | ")} |\n`);
  return file;
}
