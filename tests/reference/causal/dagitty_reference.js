// Reference values for glute_study.causal from dagitty 0.3-4 (Textor et al. 2016, Int J
// Epidemiol 45:1887), the algorithms R's dagitty package runs: R's package is a thin wrapper
// that loads r/inst/js/dagitty-alg.js and RUtil.js into V8 and calls the functions called here.
//   R: adjustmentSets(g, exposure, outcome, type = "minimal", effect = "total" | "direct")
//      -> DAGitty.GraphAnalyzer.listMsasTotalEffect / listMsasDirectEffect, then DagittyR.adj2r
//   R: dseparated(g, X, Y, Z) = !dconnected(...) -> DagittyR.dconnected
// Run (JS_DIR = r/inst/js of the dagitty source, github.com/jtextor/dagitty, commit 7a65777):
//   node tests/reference/causal/dagitty_reference.js JS_DIR
// It reads textbook_dags.json and study_dag.json beside it and writes dagitty_reference.json.
"use strict";
const fs = require("fs");
const path = require("path");
const vm = require("vm");

const jsDir = process.argv[2];
vm.runInThisContext(fs.readFileSync(path.join(jsDir, "dagitty-alg.js"), "utf8"));
vm.runInThisContext(fs.readFileSync(path.join(jsDir, "RUtil.js"), "utf8"));
const here = __dirname;

function dagittyText(c, exposure, outcome) {
  const tag = (n) => n === exposure ? `${n} [exposure]` : n === outcome ? `${n} [outcome]`
    : c.latent.includes(n) ? `${n} [latent]` : n;
  return ["dag {", ...c.nodes.map(tag), ...c.edges.map(([a, b]) => `${a} -> ${b}`), "}"]
    .join("\n");
}

function sets(c, exposure, outcome, effect) {
  const g = DAGitty.GraphParser.parseGuess(dagittyText(c, exposure, outcome));
  const found = effect === "direct" ? DAGitty.GraphAnalyzer.listMsasDirectEffect(g)
    : DAGitty.GraphAnalyzer.listMsasTotalEffect(g);
  return Object.values(DagittyR.adj2r(found));
}

function separated(c, x, y, z) {
  const g = DAGitty.GraphParser.parseGuess(dagittyText(c, null, null));
  return !DagittyR.dconnected(g, [x], [y], z);
}

function dsep(c, givens) {
  const out = [];
  for (let i = 0; i < c.nodes.length; i++) {
    for (let j = i + 1; j < c.nodes.length; j++) {
      const [x, y] = [c.nodes[i], c.nodes[j]];
      for (const z of givens(x, y)) {
        if (!z.includes(x) && !z.includes(y)) out.push([x, y, z, separated(c, x, y, z)]);
      }
    }
  }
  return out;
}

const result = { dagitty: "0.3-4 (dagitty-alg.js of the R package source)", cases: {} };
const textbook = JSON.parse(fs.readFileSync(path.join(here, "textbook_dags.json"), "utf8"));
for (const [name, c] of Object.entries(textbook)) {
  result.cases[name] = {
    adjustment: [{ exposure: c.exposure, outcome: c.outcome,
      total: sets(c, c.exposure, c.outcome, "total"),
      direct: sets(c, c.exposure, c.outcome, "direct") }],
    // every pair, marginally and given each other single node
    d_separation: dsep(c, (x, y) => [[], ...c.nodes.filter((n) => n !== x && n !== y)
      .map((n) => [n])]),
  };
}
const study = JSON.parse(fs.readFileSync(path.join(here, "study_dag.json"), "utf8"));
result.cases.study_dag = {
  adjustment: study.queries.map(([x, y]) => ({ exposure: x, outcome: y,
    total: sets(study, x, y, "total"), direct: sets(study, x, y, "direct") })),
  d_separation: dsep(study, () => study.given),
};
fs.writeFileSync(path.join(here, "dagitty_reference.json"), JSON.stringify(result) + "\n");
