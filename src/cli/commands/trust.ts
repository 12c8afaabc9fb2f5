/**
 * `reconcile trust [node...]`: fetch each node's SSH host key, show its fingerprint, and after a
 * yes record it in the cluster's known_hosts. A key that differs from the recorded one is never
 * replaced silently: only with `--replace NODE`.
 */
import { mkdir } from "node:fs/promises";
import { dirname } from "node:path";
import { ConnectError, ExitCode, UsageError } from "../../errors.js";
import { formatKnownHostsLine, judgeHostKey, lookupHost, parseKnownHosts, removeHostFromLine, type HostKey, type KnownHostsEntry } from "../../executors/known-hosts.js";
import { scanHostKey } from "../../executors/ssh-transport.js";
import { readTextIfExists, writeFileAtomically } from "../../executors/local-files.js";
import type { ResolvedNode } from "../../spec/resolved.js";
import type { Logger } from "../../log.js";
import { ask, plural, print, type CliIO } from "../io.js";
import { interruptible, selectNodes, type SpecArgs } from "../remote.js";
import { loadForFetch } from "./fetch.js";

export interface TrustArgs extends SpecArgs {
  nodes: string[];
  yes: boolean;
  replace: string[];
}

type Verdict =
  | { node: ResolvedNode; status: "known"; key: HostKey }
  | { node: ResolvedNode; status: "new"; key: HostKey }
  | { node: ResolvedNode; status: "changed"; key: HostKey; old: KnownHostsEntry[] }
  | { node: ResolvedNode; status: "revoked"; key: HostKey; old: KnownHostsEntry[] }
  | { node: ResolvedNode; status: "unreachable"; error: string; hint: string | null };

/**
 * The node's key against the file, as a connection would judge it. A revoked key is never recorded;
 * a key of a type the file has none of for the node is recorded beside the others (new).
 */
function judge(node: ResolvedNode, key: HostKey, entries: readonly KnownHostsEntry[]): Verdict {
  const verdict = judgeHostKey(lookupHost(entries, node.address, node.ssh.port), key);
  switch (verdict.status) {
    case "known":
      return { node, status: "known", key };
    case "revoked":
      return { node, status: "revoked", key, old: verdict.entries };
    case "changed":
      return verdict.sameType ? { node, status: "changed", key, old: verdict.stale } : { node, status: "new", key };
    case "unknown":
      return { node, status: "new", key };
  }
}

export async function trustCommand(args: TrustArgs, io: CliIO, log: Logger): Promise<number> {
  // Trusting comes before fetch: a deb set not fetched yet (no sha256) does not stop it.
  const cluster = await loadForFetch(args, io);
  const nodes = selectNodes(cluster, args.nodes);
  selectNodes(cluster, args.replace);
  const outside = args.replace.filter((r) => !nodes.some((n) => n.name === r));
  if (outside.length > 0) throw new UsageError(`--replace ${outside.join(", ")}: not among the nodes being trusted`, `run \`reconcile trust ${outside.join(" ")} --replace ${outside.join(" ")}\``);
  return interruptible(async (signal) => {
    // Nodes may name their own known_hosts file; each file is read and written once.
    const files = [...new Set(nodes.map((n) => n.ssh.knownHostsFile))];
    const texts = new Map(await Promise.all(files.map(async (f) => [f, (await readTextIfExists(f)) ?? null] as const)));
    const verdicts = await Promise.all(
      nodes.map(async (node): Promise<Verdict> => {
        try {
          const key = await scanHostKey(node, { signal });
          return judge(node, key, parseKnownHosts(texts.get(node.ssh.knownHostsFile) ?? "", node.ssh.knownHostsFile));
        } catch (error) {
          if (error instanceof ConnectError) return { node, status: "unreachable", error: error.message, hint: error.hint ?? null };
          throw error;
        }
      }),
    );
    const width = Math.max(...nodes.map((n) => n.name.length));
    for (const v of verdicts) {
      const where = `${v.node.address}:${v.node.ssh.port}`;
      if (v.status === "unreachable") {
        print(io.stdout, `  ${v.node.name.padEnd(width)}  ${where}  unreachable: ${v.error}`);
        if (v.hint !== null) print(io.stdout, `  ${"".padEnd(width)}  hint: ${v.hint}`);
        continue;
      }
      print(io.stdout, `  ${v.node.name.padEnd(width)}  ${where}  ${v.key.type} ${v.key.fingerprint}  ${v.status === "changed" || v.status === "revoked" ? v.status.toUpperCase() : v.status}`);
      if (v.status === "changed") {
        for (const old of v.old) print(io.stdout, `  ${"".padEnd(width)}  was ${old.key.fingerprint} (${old.file}:${old.line})`);
      }
      if (v.status === "revoked") {
        for (const old of v.old) print(io.stdout, `  ${"".padEnd(width)}  marked @revoked at ${old.file}:${old.line}`);
      }
    }
    const replace = new Set(args.replace);
    const record = verdicts.filter((v): v is Extract<Verdict, { key: HostKey }> => v.status === "new" || (v.status === "changed" && replace.has(v.node.name)));
    const refused = verdicts.filter((v) => v.status === "changed" && !replace.has(v.node.name));
    for (const v of refused) {
      print(io.stderr, `warning: node ${v.node.name}: the host key changed; kept the old one. If the change is expected (the node was reinstalled), run \`reconcile trust ${v.node.name} --replace ${v.node.name}\`.`);
    }
    const revoked = verdicts.filter((v) => v.status === "revoked");
    for (const v of revoked) {
      print(io.stderr, `warning: node ${v.node.name}: its host key is marked @revoked in ${v.node.ssh.knownHostsFile}; not recorded. Give the node a new host key (remove the old one, then ssh-keygen -A), then run \`reconcile trust ${v.node.name}\`.`);
    }
    const unreachable = verdicts.filter((v) => v.status === "unreachable");
    const failure = unreachable.length > 0 || refused.length > 0 || revoked.length > 0 ? ExitCode.failure : ExitCode.ok;
    if (record.length === 0) {
      print(io.stdout, refused.length + unreachable.length + revoked.length === 0 ? "Every host key is already recorded." : "Nothing recorded.");
      return failure;
    }
    if (!args.yes) {
      if (io.stdin?.isTTY !== true) throw new UsageError("no terminal to confirm on", "check the fingerprints above (for example against `ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub` on the node), then run again with --yes");
      if (!/^(y|yes)$/i.test((await ask(io, `Record ${plural(record.length, "host key")} in ${files.join(", ")}? Type yes to continue: `)) ?? "")) {
        print(io.stdout, "Nothing recorded.");
        return ExitCode.failure;
      }
    }
    for (const file of files) {
      const mine = record.filter((v) => v.node.ssh.knownHostsFile === file);
      if (mine.length === 0) continue;
      // A replaced key leaves its lines, but only this node's name leaves a line that lists others.
      const replaced = new Map<number, { address: string; port: number }[]>();
      for (const v of mine) if (v.status === "changed") for (const e of v.old) replaced.set(e.line, [...(replaced.get(e.line) ?? []), { address: v.node.address, port: v.node.ssh.port }]);
      const kept = (texts.get(file) ?? "").split("\n").flatMap((text, i) => {
        let line: string | null = text;
        for (const h of replaced.get(i + 1) ?? []) line = line === null ? null : removeHostFromLine(line, h.address, h.port);
        return line === null ? [] : [line];
      });
      while (kept.length > 0 && kept.at(-1) === "") kept.pop();
      const added = mine.map((v) => formatKnownHostsLine(v.node.address, v.node.ssh.port, v.key));
      await mkdir(dirname(file), { recursive: true });
      // A new file is 0644 like ~/.ssh/known_hosts; an existing one keeps the mode its owner gave it.
      await writeFileAtomically(file, `${[...kept, ...added].join("\n")}\n`, texts.get(file) === null ? { mode: 0o644 } : {});
      log.info({ event: "trust", file, recorded: mine.map((v) => ({ node: v.node.name, fingerprint: v.key.fingerprint, status: v.status })) }, "host keys recorded");
    }
    print(io.stdout, `Recorded ${plural(record.length, "host key")} in ${files.join(", ")}.`);
    return failure;
  });
}
