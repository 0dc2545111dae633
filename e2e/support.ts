/** What every browser test shares: finding Chromium, building the web app, launching, and failure screenshots. */
import { existsSync, readdirSync, statSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { delimiter, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { type ParsedMail, simpleParser } from "mailparser";
import { type Browser, type BrowserContext, chromium, type Page } from "playwright-core";
import { SMTPServer } from "smtp-server";
import { describe } from "vitest";

const root = fileURLToPath(new URL("..", import.meta.url));
const webIndex = join(root, "dist/web/index.html");
const shotDir = process.env.E2E_SCREENSHOTS ?? "";

/**
 * Per-step (test) time limit. Only there to end a step that hangs: a loaded 2-core machine runs a step several times
 * slower than a quiet one, and a step's own waits (ACTION each) may add up to minutes.
 */
export const STEP = 600_000;
/** How long one click, fill, wait or navigation may take before it fails: 15 s failed clicks on a loaded machine. */
export const ACTION = 120_000;

function findChromium(): string | null {
  const fromEnv = process.env.CHROMIUM_PATH;
  if (fromEnv) return existsSync(fromEnv) ? fromEnv : null;
  const names = ["chromium", "chromium-browser", "google-chrome", "google-chrome-stable"];
  for (const dir of (process.env.PATH ?? "").split(delimiter)) {
    for (const name of names) {
      const candidate = join(dir, name);
      if (dir && existsSync(candidate)) return candidate;
    }
  }
  return null;
}

const chromiumPath = findChromium();
if (!chromiumPath) console.warn("Chromium not found: set CHROMIUM_PATH or apt-get install chromium — skipping the browser tests");
/** `describe` when Chromium is there, else a skipped suite (the warning above says why). */
export const suite = chromiumPath ? describe : describe.skip;

/** Newest modification time under the folders the web build is made from. */
function newestSource(dirs: string[]): number {
  let newest = 0;
  const walk = (p: string) => {
    const st = statSync(p);
    if (st.isDirectory()) for (const e of readdirSync(p)) walk(join(p, e));
    else newest = Math.max(newest, st.mtimeMs);
  };
  for (const d of dirs) if (existsSync(d)) walk(d);
  return newest;
}

/** Builds dist/web when it is missing or older than the web app's sources. */
export async function ensureWebBuild(): Promise<void> {
  const sources = newestSource([join(root, "src/web"), join(root, "src/contract"), join(root, "vite.config.ts")]);
  if (existsSync(webIndex) && statSync(webIndex).mtimeMs >= sources) return;
  const { build } = await import("vite");
  await build({ configFile: join(root, "vite.config.ts"), logLevel: "warn" });
}

function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: chromiumPath as string,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
}

export interface BrowserSession {
  server: import("../src/server/start.js").RunningServer;
  context: BrowserContext;
  page: Page;
  close(): Promise<void>;
}

/**
 * The real server on an in-memory database, and one desktop-sized page in Chromium whose uncaught
 * errors are pushed onto `errors` (suites assert it stays empty).
 */
export async function openBrowserSession(
  errors: string[],
  serverOptions: { jobPollingSeconds?: number; smtpUrl?: string; mailFrom?: string } = {},
  browserOptions: { timezoneId?: string } = {},
): Promise<BrowserSession> {
  await ensureWebBuild();
  const { startServer } = await import("../src/server/start.js");
  const { pgliteTemplate } = await import("../src/test/harness.js");
  const server = await startServer({ port: 0, memory: true, logLevel: "warn", loadDataDir: pgliteTemplate(), ...serverOptions });
  const browser = await launchChromium();
  const context = await browser.newContext({ viewport: { width: 1360, height: 900 }, locale: "en-US", ...browserOptions });
  const page = await context.newPage();
  page.setDefaultTimeout(ACTION);
  page.on("pageerror", (e) => errors.push(`pageerror: ${e.message}`));
  return {
    server,
    context,
    page,
    async close() {
      await context.close();
      await browser.close();
      await server.close();
    },
  };
}

/**
 * A step runner for one suite: with E2E_SCREENSHOTS set it saves each step's screen there; on failure
 * it saves a screenshot and names it in the error.
 */
export function screenshotSteps(page: () => Page, suiteName: string) {
  return async (name: string, fn: () => Promise<void>): Promise<void> => {
    try {
      await fn();
      if (shotDir) await page().screenshot({ path: resolve(shotDir, `${suiteName}-${name}.png`), fullPage: false });
    } catch (err) {
      const path = resolve(shotDir || "/tmp", `rapport-e2e-${suiteName}-failed-${name}.png`);
      await page()
        .screenshot({ path })
        .catch(() => undefined);
      throw new Error(`${(err as Error).message}\n(screenshot: ${path})`, { cause: err });
    }
  };
}

export interface NewAdmin {
  workspace: string;
  name: string;
  email: string;
  password?: string;
}

/** Fills the sign-up form on the page it is on and waits for the app shell: every suite starts with a fresh workspace. */
export async function signUp(page: Page, admin: NewAdmin): Promise<void> {
  await page.getByTestId("signup-form").waitFor({ state: "visible" });
  await page.getByLabel("Workspace name").fill(admin.workspace);
  await page.getByLabel("Your name").fill(admin.name);
  await page.getByLabel("Work email").fill(admin.email);
  await page.getByRole("textbox", { name: "Password" }).fill(admin.password ?? "correct-horse-battery-staple");
  await page.getByTestId("signup-submit").click();
  await page.getByTestId("navbar").waitFor({ state: "visible" });
}

export interface MailCatcher {
  /** Every message received so far, parsed. */
  inbox: ParsedMail[];
  /** smtp:// URL for the server's SMTP_URL. */
  url: string;
  close(): Promise<void>;
}

/** A real SMTP server on loopback that keeps what it receives: the suites' way to read the mail the app sends. */
export async function startMailCatcher(): Promise<MailCatcher> {
  const inbox: ParsedMail[] = [];
  const smtp = new SMTPServer({
    authOptional: true,
    disabledCommands: ["STARTTLS"],
    logger: false,
    onData(stream, _session, done) {
      simpleParser(stream)
        .then((m) => {
          inbox.push(m);
          done();
        })
        .catch(done);
    },
  });
  await new Promise<void>((resolve) => smtp.listen(0, "127.0.0.1", resolve));
  const { port } = smtp.server.address() as AddressInfo;
  return { inbox, url: `smtp://127.0.0.1:${port}`, close: () => new Promise<void>((resolve) => smtp.close(() => resolve())) };
}
