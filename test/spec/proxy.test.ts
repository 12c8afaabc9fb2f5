/** The proxy's spec fields: extra Caddyfile directives (no control characters) and the CA of certificate files. */
import { describe, expect, it } from "vitest";
import { baseWith, check, lines } from "../helpers/spec.js";

const CADDY = "  caddy-debs:\n    kind: deb\n    source: artifacts/caddy-debs\n    sha256: " + "c1".repeat(32) + "\n";
const withProxy = (proxy: string, artifacts = "") =>
  baseWith(["artifacts:\n", `artifacts:\n${CADDY}${artifacts}`], ["    password: {secret: PG_PASSWORD}\n", `    password: {secret: PG_PASSWORD}\n  proxy:\n    type: caddy\n    packages: caddy-debs\n    listen: ":8443"\n${proxy}`]);

describe("server.proxy.extraDirectives", () => {
  it("resolves to the lines as written; absent is none", () => {
    const r = check(withProxy('    extraDirectives:\n      - encode gzip\n      - "header {"\n      - "  -Server"\n      - "}"\n'));
    expect(lines(r)).toEqual([]);
    expect(r.cluster?.server.proxy?.extraDirectives).toEqual(["encode gzip", "header {", "  -Server", "}"]);
    expect(check(withProxy("")).cluster?.server.proxy?.extraDirectives).toEqual([]);
  });

  it("refuses a line holding a control character (a newline would smuggle in another directive) and an empty line", () => {
    const r = check(withProxy('    extraDirectives:\n      - "encode gzip\\nreverse_proxy evil:80"\n      - "a\\tb"\n      - ""\n'));
    expect(r.cluster).toBeUndefined();
    const out = lines(r).join("\n");
    expect(out).toMatch(/server\.proxy\.extraDirectives\[0\]: must be a single Caddyfile line without control characters/);
    expect(out).toMatch(/server\.proxy\.extraDirectives\[1\]/);
    expect(out).toMatch(/server\.proxy\.extraDirectives\[2\]/);
  });
});

describe("server.proxy.tls.ca", () => {
  const files = (ca: string) => `    tls: {mode: files, certificate: tls-cert, key: tls-cert${ca}}\n`;
  const cert = "  tls-cert:\n    kind: file\n    source: tls/cert.pem\n    sha256: " + "ce".repeat(32) + "\n";

  it("optional; resolves to null when absent", () => {
    const r = check(withProxy(files(""), cert));
    expect(lines(r)).toEqual([]);
    expect(r.cluster?.server.proxy?.tls).toEqual({ mode: "files", certificate: "tls-cert", key: "tls-cert", ca: null });
    expect(check(withProxy(files(", ca: tls-cert"), cert)).cluster?.server.proxy?.tls).toMatchObject({ ca: "tls-cert" });
  });

  it("must be a file artifact that exists", () => {
    expect(lines(check(withProxy(files(", ca: caddy-debs"), cert))).join("\n")).toMatch(/server\.proxy\.tls\.ca: artifact 'caddy-debs' is of kind 'deb', but a CA certificate needs kind 'file'/);
    expect(lines(check(withProxy(files(", ca: nowhere"), cert))).join("\n")).toMatch(/server\.proxy\.tls\.ca/);
  });
});
