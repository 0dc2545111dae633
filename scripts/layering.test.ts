/**
 * The import rules in .dependency-cruiser.cjs (run by `npm run lint`) fail where they should: a fixture repository
 * with one break of each rule is cruised with the real configuration. (The repository itself is cruised by `npm run lint`, which CI runs.)
 */
import { execFile } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";

const root = fileURLToPath(new URL("..", import.meta.url));
const run = promisify(execFile);
const depcruise = join(root, "node_modules/dependency-cruiser/bin/dependency-cruiser.mjs");
const config = join(root, ".dependency-cruiser.cjs");

async function cruise(cwd: string, paths: string[]): Promise<{ code: number; out: string }> {
  try {
    const { stdout } = await run(process.execPath, [depcruise, ...paths, "--config", config, "--output-type", "err"], { cwd, timeout: 110_000 });
    return { code: 0, out: stdout };
  } catch (e) {
    const err = e as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof err.code === "number" ? err.code : 1, out: `${err.stdout ?? ""}${err.stderr ?? ""}` };
  }
}

describe("import rules (dependency-cruiser)", () => {
  const fixture = mkdtempSync(join(tmpdir(), "rapport-layering-"));
  afterAll(() => rmSync(fixture, { recursive: true, force: true }));
  const file = (path: string, text: string) => {
    mkdirSync(dirname(join(fixture, path)), { recursive: true });
    writeFileSync(join(fixture, path), text);
  };

  it("fails on a new import cycle, a type-only one included, and on each layering break", async () => {
    file("tsconfig.json", JSON.stringify({ compilerOptions: { module: "ESNext", moduleResolution: "Bundler", strict: true } }));
    // A runtime cycle between two services, and a cycle closed only by `import type`.
    file("src/modules/alpha/service.ts", 'import { beta } from "../beta/service.js";\nexport const alpha = () => beta() + 1;\n');
    file("src/modules/beta/service.ts", 'import { alpha } from "../alpha/service.js";\nexport const beta = (): number => (Math.random() > 2 ? alpha() : 0);\n');
    file("src/modules/gamma/service.ts", 'import type { Delta } from "../delta/service.js";\nexport interface Gamma { d?: Delta }\n');
    file("src/modules/delta/service.ts", 'import type { Gamma } from "../gamma/service.js";\nexport interface Delta { g?: Gamma }\n');
    // Layering: db calling a module, web reaching past the contract, a service importing the server, a benchmark in src.
    file("src/db/helper.ts", 'import { alpha } from "../modules/alpha/service.js";\nexport const helper = () => alpha();\n');
    file("src/web/page.ts", 'import { helper } from "../db/helper.js";\nexport const page = () => helper();\n');
    file("src/server/kit.ts", "export const kit = 1;\n");
    file("src/modules/alpha/other.ts", 'import { kit } from "../../server/kit.js";\nexport const other = kit;\n');
    file("src/modules/alpha/speed-bench.ts", 'import { alpha } from "./service.js";\nconsole.log(alpha());\n');
    file("src/modules/beta/table.ts", "export const betaRows = [];\n");
    file("src/modules/alpha/peek.ts", 'import { betaRows } from "../beta/table.js";\nexport const peek = betaRows;\n');
    file("src/contract/thing.ts", 'import { kit } from "../server/kit.js";\nexport const thing = kit;\n');

    const { code, out } = await cruise(fixture, ["src"]);
    expect(code).not.toBe(0);
    expect(out).toMatch(/no-circular: src\/modules\/(alpha|beta)\/service\.ts/);
    expect(out).toMatch(/no-circular: src\/modules\/(gamma|delta)\/service\.ts/);
    expect(out).toContain("core-and-db-below-modules: src/db/helper.ts → src/modules/alpha/service.ts");
    expect(out).toContain("web-imports-only-contract: src/web/page.ts → src/db/helper.ts");
    expect(out).toContain("services-never-import-server-or-cli: src/modules/alpha/other.ts → src/server/kit.ts");
    expect(out).toContain("benchmarks-live-in-bench: src/modules/alpha/speed-bench.ts");
    expect(out).toContain("no-reaching-into-other-modules-tables: src/modules/alpha/peek.ts → src/modules/beta/table.ts");
    expect(out).toContain("contract-imports-nothing-of-ours: src/contract/thing.ts → src/server/kit.ts");
  });
});
