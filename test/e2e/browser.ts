/**
 * The Prefect UI in a real browser: Debian's Chromium, headless, driven by puppeteer-core. TLS is
 * verified against the CA the test names, put in the browser's own NSS database (a HOME of its
 * own; `certutil` from Debian's libnss3-tools), never switched off. Screenshots are kept under
 * test-artifacts/ as the test's artifacts.
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import puppeteer, { type Browser, type Page } from "puppeteer-core";
import { tempDir } from "../helpers/cli.js";

export const CHROMIUM = process.env.CHROMIUM ?? "/usr/bin/chromium";
/** Where screenshots are kept: test-artifacts/ at the top of the repository (ignored by git). */
export const ARTIFACTS = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "test-artifacts");

/** A headless Chromium whose only trusted CA beyond the system's is `caPem`. */
export async function launchBrowser(caPem: string): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`Chromium is not at ${CHROMIUM}: install Debian's chromium package (apt-get install chromium) or set CHROMIUM`);
  const home = tempDir("reconcile-chromium-home-");
  const nssdb = join(home, ".pki", "nssdb");
  mkdirSync(nssdb, { recursive: true });
  writeFileSync(join(home, "ca.crt"), caPem);
  try {
    execFileSync("certutil", ["-d", `sql:${nssdb}`, "-N", "--empty-password"], { stdio: "pipe" });
    execFileSync("certutil", ["-d", `sql:${nssdb}`, "-A", "-t", "C,,", "-n", "test CA", "-i", join(home, "ca.crt")], { stdio: "pipe" });
  } catch (error) {
    throw new Error(`certutil could not make the browser's CA store (install Debian's libnss3-tools): ${String(error)}`);
  }
  return puppeteer.launch({
    executablePath: CHROMIUM,
    headless: true,
    userDataDir: join(home, "profile"),
    env: { ...process.env, HOME: home },
    args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
  });
}

export function screenshotPath(name: string): string {
  mkdirSync(ARTIFACTS, { recursive: true });
  return join(ARTIFACTS, name);
}

/**
 * Closes the "Join the Prefect Community" dialog the UI opens on a first visit (it covers the
 * page in screenshots), when it shows within `ms`.
 */
export async function skipCommunityDialog(page: Page, ms = 5000): Promise<void> {
  const skip = 'Array.from(document.querySelectorAll("button")).find((b) => b.innerText.trim() === "Skip")';
  try {
    await page.waitForFunction(`${skip} !== undefined`, { timeout: ms });
  } catch {
    return;
  }
  await page.evaluate(`${skip}.click()`);
  await page.waitForFunction(`${skip} === undefined`, { timeout: ms });
}
