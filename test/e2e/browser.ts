/**
 * The Prefect UI in a real browser: Debian's Chromium, headless, driven by puppeteer-core. TLS is
 * verified against the CA the test names (Chromium trusts exactly that key: its SPKI hash), never
 * switched off. Screenshots are kept under test-artifacts/ as the test's artifacts.
 */
import { createHash, X509Certificate } from "node:crypto";
import { existsSync, mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import puppeteer, { type Browser } from "puppeteer-core";
import { tempDir } from "../helpers/cli.js";

export const CHROMIUM = process.env.CHROMIUM ?? "/usr/bin/chromium";
/** Where screenshots are kept: test-artifacts/ at the top of the repository (ignored by git). */
export const ARTIFACTS = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "test-artifacts");

/** base64 of the sha256 of a certificate's public key: what --ignore-certificate-errors-spki-list takes. */
export function spkiHash(pem: string): string {
  const der = new X509Certificate(pem).publicKey.export({ type: "spki", format: "der" });
  return createHash("sha256").update(der).digest("base64");
}

/** A headless Chromium that accepts certificate chains holding the CA `caPem`, and no other errors. */
export async function launchBrowser(caPem: string): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`Chromium is not at ${CHROMIUM}: install Debian's chromium package (apt-get install chromium) or set CHROMIUM`);
  return puppeteer.launch({
    executablePath: CHROMIUM,
    headless: true,
    userDataDir: tempDir("reconcile-chromium-"),
    args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", `--ignore-certificate-errors-spki-list=${spkiHash(caPem)}`],
  });
}

export function screenshotPath(name: string): string {
  mkdirSync(ARTIFACTS, { recursive: true });
  return join(ARTIFACTS, name);
}
