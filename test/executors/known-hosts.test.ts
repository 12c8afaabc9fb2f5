/**
 * known_hosts parsing and lookup. The keys, fingerprints and hashed names below were made with
 * OpenSSH (`ssh-keygen -l`, `ssh-keygen -H`), so they check us against the real thing.
 */
import { describe, expect, it } from "vitest";
import {
  fingerprintOf,
  formatKnownHostsLine,
  knownHostsName,
  lookupHost,
  parseKnownHosts,
  judgeHostKey,
  preferredHostKeyAlgorithms,
  removeHostFromLine,
  type HostKey,
} from "../../src/executors/known-hosts.js";

const ED25519 = "AAAAC3NzaC1lZDI1NTE5AAAAIDCTnIyYIJJ5SdhPJEsC4CJx92f8+7G7faDOAONRBP56";
const ED25519_FP = "SHA256:Y+cx6oGBI60mvnpHRE9c4VPBmq+CbQizA/vYXQA5Jn4";
const ECDSA = "AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBJyWeYa2SlvGTVTLGQj/A/Uv0CnP15/S0YbxN5ewMlj3rw8H1SKw/XN/xRwkGTcM/W9zYYqzUl/Y59aDiqGC0DU=";
const ECDSA_FP = "SHA256:F7md/bVF79KhdLje7/1nW2llrnVLig5zjrfPrtyPtUE";
/** `ssh-keygen -H` of "node1.example" (ed25519) and "[10.0.0.5]:2222" (ecdsa). */
const HASHED_NODE1 = "|1|+Cy0rJABzYGF192KWql0WlQ8h7Y=|YjCvBVN7G50FRb4MU4C6H+4MGgs=";
const HASHED_PORT = "|1|mm9+W9EbBcmC6oRUJFuRjD3u7BE=|AM+yXNKg1BxYRvf72Q4fbFrhQTc=";

const ed25519: HostKey = { type: "ssh-ed25519", base64: ED25519, fingerprint: ED25519_FP };
const ecdsa: HostKey = { type: "ecdsa-sha2-nistp256", base64: ECDSA, fingerprint: ECDSA_FP };

describe("fingerprintOf", () => {
  it("matches ssh-keygen -l (SHA256, unpadded base64)", () => {
    expect(fingerprintOf(Buffer.from(ED25519, "base64"))).toEqual(ed25519);
    expect(fingerprintOf(Buffer.from(ECDSA, "base64"))).toEqual(ecdsa);
  });

  it.each([["empty", Buffer.alloc(0)], ["length beyond the blob", Buffer.from([0, 0, 0, 9, 0x61])], ["zero-length type", Buffer.from([0, 0, 0, 0])]])(
    "throws on a malformed blob (%s)",
    (_name, blob) => {
      expect(() => fingerprintOf(blob)).toThrow("malformed");
    },
  );
});

describe("parseKnownHosts", () => {
  // [what, line, expected entry fields or null when the line is skipped]
  const table: [string, string, { marker: "revoked" | null; hosts: string; key: HostKey } | null][] = [
    ["plain host", `node1.example ssh-ed25519 ${ED25519}`, { marker: null, hosts: "node1.example", key: ed25519 }],
    ["comma list with a comment", `n1,198.51.100.11 ecdsa-sha2-nistp256 ${ECDSA} root@n1`, { marker: null, hosts: "n1,198.51.100.11", key: ecdsa }],
    ["[host]:port", `[198.51.100.11]:2222 ssh-ed25519 ${ED25519}`, { marker: null, hosts: "[198.51.100.11]:2222", key: ed25519 }],
    ["hashed name", `${HASHED_NODE1} ssh-ed25519 ${ED25519}`, { marker: null, hosts: HASHED_NODE1, key: ed25519 }],
    ["@revoked", `@revoked * ssh-ed25519 ${ED25519}`, { marker: "revoked", hosts: "*", key: ed25519 }],
    ["leading spaces and tabs", ` \tn1\tssh-ed25519   ${ED25519}`, { marker: null, hosts: "n1", key: ed25519 }],
    ["@cert-authority (ignored)", `@cert-authority *.example ssh-ed25519 ${ED25519}`, null],
    ["unknown marker", `@trusted n1 ssh-ed25519 ${ED25519}`, null],
    ["comment", `# n1 ssh-ed25519 ${ED25519}`, null],
    ["blank", "   ", null],
    ["two fields", "n1 ssh-ed25519", null],
    ["marker only", "@revoked", null],
    ["key is not base64", "n1 ssh-ed25519 not*base64!", null],
    ["key blob too short", "n1 ssh-ed25519 AAAA", null],
    ["type differs from the blob", `n1 ecdsa-sha2-nistp256 ${ED25519}`, null],
  ];

  it.each(table)("%s", (_what, line, expected) => {
    const entries = parseKnownHosts(`${line}\n`, "/k");
    expect(entries).toEqual(expected === null ? [] : [{ file: "/k", line: 1, ...expected }]);
  });

  it("keeps file and 1-based line numbers across skipped and CRLF lines", () => {
    const text = ["# cluster", "", `n1 ssh-ed25519 ${ED25519}`, "garbage", `n2 ecdsa-sha2-nistp256 ${ECDSA}`].join("\r\n");
    expect(parseKnownHosts(text, "/etc/k").map((e) => [e.file, e.line, e.hosts])).toEqual([
      ["/etc/k", 3, "n1"],
      ["/etc/k", 5, "n2"],
    ]);
  });
});

describe("lookupHost", () => {
  const entries = parseKnownHosts(
    [
      `node1.example ssh-ed25519 ${ED25519}`, // 1
      `[node1.example]:2222 ecdsa-sha2-nistp256 ${ECDSA}`, // 2
      `${HASHED_NODE1} ecdsa-sha2-nistp256 ${ECDSA}`, // 3
      `${HASHED_PORT} ecdsa-sha2-nistp256 ${ECDSA}`, // 4
      `10.0.0.*,!10.0.0.9 ssh-ed25519 ${ED25519}`, // 5
      `n?.lan ssh-ed25519 ${ED25519}`, // 6
      `@revoked * ssh-ed25519 ${ED25519}`, // 7
      `a.lan,B.LAN ssh-ed25519 ${ED25519}`, // 8
    ].join("\n"),
    "/k",
  );
  const lines = (host: string, port: number) => lookupHost(entries, host, port).map((e) => e.line);

  it.each([
    ["bare host on port 22, plain and hashed", "node1.example", 22, [1, 3, 7]],
    ["[host]:port only on another port", "node1.example", 2222, [2, 7]],
    ["hashed [host]:port", "10.0.0.5", 2222, [4, 7]],
    ["wildcard", "10.0.0.7", 22, [5, 7]],
    ["negation wins over a wildcard", "10.0.0.9", 22, [7]],
    ["? matches one character", "n1.lan", 22, [6, 7]],
    ["? does not match two", "n12.lan", 22, [7]],
    ["case-insensitive", "NODE1.example", 22, [1, 3, 7]],
    ["upper-case pattern", "b.lan", 22, [7, 8]],
    ["a bare-host entry does not match another port", "a.lan", 2200, [7]],
    ["a dot is not a wildcard", "10x0.0.7", 22, [7]],
  ] as const)("%s", (_what, host, port, expected) => {
    expect(lines(host, port)).toEqual(expected);
  });
});

/** Another Ed25519 key blob (32 other bytes): a changed key of the same type. */
const OTHER_ED25519 = (() => {
  const type = Buffer.from("ssh-ed25519");
  const blob = Buffer.alloc(4 + type.length + 4 + 32, 7);
  blob.writeUInt32BE(type.length, 0);
  type.copy(blob, 4);
  blob.writeUInt32BE(32, 4 + type.length);
  return blob.toString("base64");
})();

describe("judgeHostKey (one verdict for connections and for trust)", () => {
  const at = (lines: string[]) => lookupHost(parseKnownHosts(lines.join("\n"), "/k"), "n1", 22);
  it.each([
    ["no line for the host", [], ed25519, { status: "unknown" }],
    ["the recorded key", [`n1 ssh-ed25519 ${ED25519}`], ed25519, { status: "known" }],
    ["a revoked key wins over a matching line", [`n1 ssh-ed25519 ${ED25519}`, `@revoked * ssh-ed25519 ${ED25519}`], ed25519, { status: "revoked", lines: [2] }],
    ["another key of the same type: only those lines are stale", [`n1 ssh-ed25519 ${OTHER_ED25519}`, `n1 ecdsa-sha2-nistp256 ${ECDSA.slice(0, -4)}AAA=`], ed25519, { status: "changed", lines: [1], sameType: true }],
    ["a key of another type only: all lines, not same-type", [`n1 ssh-ed25519 ${ED25519}`], ecdsa, { status: "changed", lines: [1], sameType: false }],
  ] as const)("%s", (_what, lines, offered, expected) => {
    const v = judgeHostKey(at([...lines]), offered);
    const shown = v.status === "revoked" ? { status: v.status, lines: v.entries.map((e) => e.line) } : v.status === "changed" ? { status: v.status, lines: v.stale.map((e) => e.line), sameType: v.sameType } : v;
    expect(shown).toEqual(expected);
  });
});

describe("removeHostFromLine (trust --replace)", () => {
  it.each([
    ["the only name: the line goes", `node1.example ssh-ed25519 ${ED25519}`, "node1.example", 22, null],
    ["one of a list: the others stay, with the key and comment", `a.lan,node1.example,B.LAN ssh-ed25519 ${ED25519} ops key`, "node1.example", 22, `a.lan,B.LAN ssh-ed25519 ${ED25519} ops key`],
    ["case-insensitive", `NODE1.example,a.lan ssh-ed25519 ${ED25519}`, "node1.example", 22, `a.lan ssh-ed25519 ${ED25519}`],
    ["[host]:port names only that port", `[node1.example]:2222,node1.example ssh-ed25519 ${ED25519}`, "node1.example", 2222, `node1.example ssh-ed25519 ${ED25519}`],
    ["a hashed name of this host: the line goes", `${HASHED_NODE1} ecdsa-sha2-nistp256 ${ECDSA}`, "node1.example", 22, null],
    ["a hashed name of another host stays", `${HASHED_PORT} ecdsa-sha2-nistp256 ${ECDSA}`, "node1.example", 22, `${HASHED_PORT} ecdsa-sha2-nistp256 ${ECDSA}`],
    ["a wildcard that matches stays for the others, with the host negated", `10.0.0.*,!10.0.0.9 ssh-ed25519 ${ED25519}`, "10.0.0.7", 22, `10.0.0.*,!10.0.0.9,!10.0.0.7 ssh-ed25519 ${ED25519}`],
    ["an exact name beside a matching wildcard: both taken care of", `10.0.0.5,10.0.0.* ssh-ed25519 ${ED25519}`, "10.0.0.5", 22, `10.0.0.*,!10.0.0.5 ssh-ed25519 ${ED25519}`],
    ["a wildcard already negating the host is left as it is", `10.0.0.*,!10.0.0.9 ssh-ed25519 ${ED25519}`, "10.0.0.9", 22, `10.0.0.*,!10.0.0.9 ssh-ed25519 ${ED25519}`],
    ["[host]:port is negated as [host]:port", `[10.0.0.*]:2222 ssh-ed25519 ${ED25519}`, "10.0.0.5", 2222, `[10.0.0.*]:2222,![10.0.0.5]:2222 ssh-ed25519 ${ED25519}`],
    ["a marker is kept", `@revoked node1.example,a.lan ssh-ed25519 ${ED25519}`, "node1.example", 22, `@revoked a.lan ssh-ed25519 ${ED25519}`],
  ] as const)("%s", (_what, line, host, port, expected) => {
    expect(removeHostFromLine(line, host, port)).toBe(expected);
  });

  it("leaves no line that still trusts the old key for the host, and keeps it for the others", () => {
    for (const line of [`10.0.0.* ssh-ed25519 ${ED25519}`, `10.0.0.5,10.0.0.* ssh-ed25519 ${ED25519}`, `10.0.0.?,node1.example ssh-ed25519 ${ED25519}`]) {
      const entries = parseKnownHosts(removeHostFromLine(line, "10.0.0.5", 22) ?? "", "/k");
      expect(lookupHost(entries, "10.0.0.5", 22), line).toEqual([]);
      expect(lookupHost(entries, "10.0.0.6", 22), line).toHaveLength(1);
    }
  });
});

describe("formatting and algorithm order", () => {
  it("writes lines that parse back and match", () => {
    for (const [host, port] of [["198.51.100.11", 22], ["node1.example", 2222]] as const) {
      const line = formatKnownHostsLine(host, port, ed25519);
      const entries = parseKnownHosts(line, "/k");
      expect(entries).toHaveLength(1);
      expect(lookupHost(entries, host, port)).toHaveLength(1);
    }
    expect(formatKnownHostsLine("Node1.Example", 2222, ed25519)).toBe(`[node1.example]:2222 ssh-ed25519 ${ED25519}`);
    expect(knownHostsName("198.51.100.11", 22)).toBe("198.51.100.11");
  });

  it("puts the algorithms of known key types first, keeping the rest", () => {
    expect(preferredHostKeyAlgorithms([])).toEqual(["ssh-ed25519", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521", "rsa-sha2-512", "rsa-sha2-256"]);
    expect(preferredHostKeyAlgorithms([ecdsa]).slice(0, 2)).toEqual(["ecdsa-sha2-nistp256", "ssh-ed25519"]);
    const rsa: HostKey = { type: "ssh-rsa", base64: "", fingerprint: "" };
    expect(preferredHostKeyAlgorithms([rsa, ecdsa]).slice(0, 3)).toEqual(["ecdsa-sha2-nistp256", "rsa-sha2-512", "rsa-sha2-256"]);
    expect(preferredHostKeyAlgorithms([ecdsa])).toHaveLength(6);
  });
});
