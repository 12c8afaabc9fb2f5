/**
 * The environment kinds besides `tar`, end to end on real nodes, installed by stand-ins of the
 * real tools (test/fixtures/standins: the nodes cannot download pixi-unpack or conda-pack):
 * fresh nodes → apply converges a worker on a pixi-pack environment (unpacked by the pixi-unpack
 * shipped as tools.pixiUnpack) and a worker on a conda-pack environment (conda-unpack rewrites its
 * build prefix), the flow's conda-pack environment reaching both → plan shows nothing to do →
 * a pixi-pack archive for another platform fails at install on its node and switches nothing.
 */
import { createHash } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { looksLikeACrash, reconcile, tempDir } from "../helpers/cli.js";
import { CONDA_PLACEHOLDER, PIXI_UNPACK, condaBuildPrefix, writeCondaPack, writePixiPack } from "../fixtures/standins/packs.js";
import { describeE2E } from "../testbed/e2e.js";
import { resetNode, sshExec } from "../testbed/testbed.mjs";
import { clusterHead } from "./cluster-files.mjs";
import { BUNDLE_FOLDER, prefectBundle } from "./prefect-bundle.mjs";

const ZERO = "0".repeat(64);
const ROOT = "/opt/prefect";
const store = (sha: string) => `${ROOT}/store/${sha}`;
const digestOf = (path: string) => createHash("sha256").update(readFileSync(path)).digest("hex");

interface Written {
  file: string;
  /** sha256 of each artifact's file: its store folder on the nodes. */
  sha: { pixiUnpack: string; pixiEnv: string; condaEnv: string };
}

/**
 * The server (n1) on the real Prefect bundle (a tar environment); worker n2 on `pixi-env` (pixi-pack), worker n3 on
 * `conda-env` (conda-pack); flow `reports` runs in `conda-env`, so n2 holds both kinds.
 */
function writeEnvKindsCluster(dir: string, nodes: readonly { name: string; address: string }[], identityFile: string, pixiPlatform?: string): Written {
  const [server, pixiNode, condaNode] = nodes;
  if (server === undefined || pixiNode === undefined || condaNode === undefined) throw new Error("needs 3 nodes");
  const serverEnv = prefectBundle().file;
  const pixiEnv = writePixiPack(dir, "pixi-env", pixiPlatform === undefined ? {} : { platform: pixiPlatform });
  const condaEnv = writeCondaPack(dir, "conda-env");
  mkdirSync(join(dir, "flows", "reports"), { recursive: true });
  writeFileSync(join(dir, "flows", "reports", "reports.py"), "from prefect import flow\n\n@flow\ndef reports():\n    return 1\n");
  const artifacts = [
    ["prefect-env", "tar", serverEnv],
    ["pixi-unpack", "file", PIXI_UNPACK],
    ["pixi-env", "pixi-pack", pixiEnv],
    ["conda-env", "conda-pack", condaEnv],
  ];
  const yaml = `${clusterHead("e2e-env-kinds", nodes, identityFile)}
tools:
  pixiUnpack: pixi-unpack
artifacts:
${artifacts.map(([name, kind, source]) => `  ${name}:\n    kind: ${kind}\n    source: ${source}\n${name === "prefect-env" ? `    path: ${BUNDLE_FOLDER}\n` : ""}    sha256: ${ZERO}\n`).join("")}server: {node: ${server.name}, prefect: {env: prefect-env}, database: {type: sqlite}}
workPools: [{name: production}]
workers:
  - {node: ${pixiNode.name}, env: pixi-env, pools: [{pool: production}]}
  - {node: ${condaNode.name}, env: conda-env, pools: [{pool: production}]}
flows:
  - {name: reports, env: conda-env, source: flows/reports, entrypoint: "reports.py:reports", pool: production}
`;
  const file = join(dir, "cluster.yaml");
  writeFileSync(file, yaml);
  return { file, sha: { pixiUnpack: digestOf(PIXI_UNPACK), pixiEnv: digestOf(pixiEnv), condaEnv: digestOf(condaEnv) } };
}

describeE2E("pixi-pack and conda-pack environments on the test bed", (testbed) => {
  const nodes = testbed.nodes.slice(0, 3);
  const [server, pixiNode, condaNode] = nodes.map((n) => n.name);
  const dir = tempDir("reconcile-env-kinds-");
  let written: Written = { file: "", sha: { pixiUnpack: "", pixiEnv: "", condaEnv: "" } };
  const run = (args: string[]) => reconcile(["-f", written.file, ...args], { cwd: dir });
  const write = (pixiPlatform?: string) => {
    written = writeEnvKindsCluster(dir, nodes, testbed.identityFile, pixiPlatform);
    const pinned = run(["pin"]);
    expect(pinned.code, pinned.stderr).toBe(0);
    // pin measured the same digests: they name the store folders checked below.
    const text = readFileSync(written.file, "utf8");
    for (const sha of Object.values(written.sha)) expect(text).toContain(`sha256: ${sha}`);
  };
  /** stdout of a command on a node; a command that fails fails the test, with its stderr. */
  const onNode = async (name: string | undefined, command: string) => {
    const r = await sshExec(name ?? "", command);
    expect(r.code, `${name}: ${command}: ${r.stderr}`).toBe(0);
    return r.stdout.trim();
  };
  const since = (name: string | undefined, unit: string) => onNode(name, `systemctl show -p ActiveEnterTimestampMonotonic --value ${unit}`);
  const unit = "prefect-worker@production.service";

  beforeAll(async () => {
    if (server === undefined || pixiNode === undefined || condaNode === undefined) throw new Error("needs 3 nodes");
    await Promise.all(nodes.map((n) => resetNode(n.name)));
    write();
    expect(run(["trust", "--yes"]).code).toBe(0);
  });
  // Leave fresh nodes to the next test file.
  afterAll(async () => {
    await Promise.all(nodes.map((n) => resetNode(n.name)));
  });

  it("apply converges fresh nodes: a worker on a pixi-pack environment, a worker on a conda-pack one", async () => {
    // Nothing there before: the nodes are fresh.
    expect(await onNode(pixiNode, `ls -A ${ROOT} 2>/dev/null | wc -l`)).toBe("0");
    const r = run(["apply", "--yes", "--verify-settle", "1"]);
    expect(looksLikeACrash(r.stdout + r.stderr)).toBe(false);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    for (const n of [server, pixiNode, condaNode]) expect(r.stdout).toContain(`node ${n}: converged`);
    // Each worker's unit runs its environment's bin/prefect, which stays up only when the prefix
    // written into it at install time is the folder it runs from.
    expect(await onNode(pixiNode, `systemctl is-active ${unit}`)).toBe("active");
    expect(await onNode(condaNode, `systemctl is-active ${unit}`)).toBe("active");
  });

  it("pixi-unpack is in the store of the node with a pixi-pack environment, mode 0755, complete; not where none is", async () => {
    const tool = `${store(written.sha.pixiUnpack)}/pixi-unpack`;
    expect(await onNode(pixiNode, `stat -c '%a %U %F' ${tool}`)).toBe("755 root regular file");
    expect(await onNode(pixiNode, `${tool} --version`)).toBe("pixi-unpack 0.7.10 (test stand-in)");
    expect(await onNode(pixiNode, `test -f ${store(written.sha.pixiUnpack)}/.complete && echo complete`)).toBe("complete");
    expect(await onNode(condaNode, `test -e ${store(written.sha.pixiUnpack)} && echo present || echo absent`)).toBe("absent");
  });

  it("the pixi-pack environment is unpacked at store/<sha>/env with activate.sh beside it; envs/pixi-env points at env", async () => {
    const folder = store(written.sha.pixiEnv);
    const env = `${folder}/env`;
    expect(await onNode(pixiNode, `readlink ${ROOT}/envs/pixi-env`)).toBe(env);
    expect(await onNode(pixiNode, `test -f ${folder}/.complete && test -f ${folder}/activate.sh && echo ok`)).toBe("ok");
    expect(await onNode(pixiNode, `${ROOT}/envs/pixi-env/bin/python -c 'import sys; print(sys.version_info[0])'`)).toBe("3");
    // Both packages of the pack's channel were installed, each with its conda-meta record.
    expect((await onNode(pixiNode, `ls ${env}/conda-meta`)).split("\n")).toEqual(["history", "prefect-standin-3.0.0-pyh0_0.json", "python-3.11.2-h0_0.json"]);
    // activate.sh puts the env first on PATH, sets CONDA_PREFIX and runs the env's activate.d scripts.
    const activated = await onNode(pixiNode, `sh -c '. ${folder}/activate.sh && echo "$CONDA_PREFIX" && command -v python && echo "$PREFECT_HOME"'`);
    expect(activated.split("\n")).toEqual([env, `${env}/bin/python`, `${env}/var/prefect`]);
    // conda's link step wrote the real prefix where packages had the placeholder.
    expect(await onNode(pixiNode, `grep -rlF ${CONDA_PLACEHOLDER} ${env} | wc -l`)).toBe("0");
    expect(await onNode(pixiNode, `grep -c "^prefix='${env}'$" ${env}/bin/prefect`)).toBe("1");
  });

  it("the conda-pack environment is extracted at store/<sha>, conda-unpack rewrote the build prefix to it; envs/conda-env points there", async () => {
    const folder = store(written.sha.condaEnv);
    // The flow's environment reaches the pixi worker too.
    for (const n of [condaNode, pixiNode]) {
      expect(await onNode(n, `readlink ${ROOT}/envs/conda-env`)).toBe(folder);
      expect(await onNode(n, `test -f ${folder}/.complete && echo complete`)).toBe("complete");
      expect(await onNode(n, `${ROOT}/envs/conda-env/bin/python -c 'import sys'; echo $?`)).toBe("0");
      expect(await onNode(n, `cat ${folder}/etc/conda-env.conf`)).toBe(`prefix = ${folder}\ndata = ${folder}/share/conda-env`);
      // No file still holds the build prefix (conda-unpack lists it as what it replaces, as the real one does).
      expect(await onNode(n, `grep -rlF --exclude=conda-unpack ${condaBuildPrefix("conda-env")} ${folder} | wc -l`)).toBe("0");
      expect(await onNode(n, `grep -c "^prefix='${folder}'$" ${folder}/bin/prefect`)).toBe("1");
    }
  });

  it("then plan --detailed-exitcode exits 0", () => {
    const r = run(["plan", "--detailed-exitcode"]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain("No changes.");
  });

  it("a pixi-pack archive for another platform fails at install on its node, with pixi-unpack's message, and switches nothing", async () => {
    const before = { sha: written.sha.pixiEnv, since: await since(pixiNode, unit), conda: await onNode(condaNode, `readlink ${ROOT}/envs/conda-env`) };
    write("osx-arm64");
    expect(written.sha.pixiEnv).not.toBe(before.sha);
    const r = run(["apply", "--yes", "--verify-settle", "1"]);
    const out = r.stdout + r.stderr;
    expect(looksLikeACrash(out)).toBe(false);
    expect(r.code, out).toBe(1);
    expect(out).toContain(`node ${pixiNode}: install artifact:pixi-env failed: exit 1: Error: The pack was created for a different platform`);
    // Nothing switched: the link, the running worker and the other nodes are as they were.
    expect(await onNode(pixiNode, `readlink ${ROOT}/envs/pixi-env`)).toBe(`${store(before.sha)}/env`);
    expect(await onNode(pixiNode, `test -e ${store(written.sha.pixiEnv)}/.complete && echo complete || echo incomplete`)).toBe("incomplete");
    expect(await onNode(pixiNode, `systemctl is-active ${unit}`)).toBe("active");
    expect(await since(pixiNode, unit)).toBe(before.since);
    expect(await onNode(condaNode, `readlink ${ROOT}/envs/conda-env`)).toBe(before.conda);
    // The plan still wants the new environment on that node.
    expect(run(["plan", "--detailed-exitcode"]).code).toBe(2);
  });
});
