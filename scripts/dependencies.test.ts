/**
 * Every package is declared where it is used: what the compiled server and CLI import at run time is a dependency
 * (a production install, `npm ci --omit=dev`, has nothing else); every dependency is used at run time (the rest
 * belongs in devDependencies); and everything else (tests, web app, benchmarks, scripts) imports only declared packages.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { builtinModules } from "node:module";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";
import { describe, expect, it } from "vitest";

const root = fileURLToPath(new URL("..", import.meta.url));
const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { dependencies: Record<string, string>; devDependencies: Record<string, string> };

/** The files tsconfig.build.json compiles, plus the plain JavaScript that runs before or around them. */
function runtimeFiles(): string[] {
  const config = ts.getParsedCommandLineOfConfigFile(
    join(root, "tsconfig.build.json"),
    {},
    {
      ...ts.sys,
      onUnRecoverableConfigFileDiagnostic: (d) => {
        throw new Error(ts.flattenDiagnosticMessageText(d.messageText, "\n"));
      },
    },
  );
  if (!config) throw new Error("tsconfig.build.json did not parse");
  return [...config.fileNames, join(root, "bin/rapport.js"), join(root, "scripts/build.js"), join(root, "scripts/start.js")];
}

function allSourceFiles(): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) {
        if (!["node_modules", "dist", "results", ".data", "migrations"].includes(e.name)) walk(p);
      } else if (/\.(ts|tsx|js|mjs)$/.test(e.name)) out.push(p);
    }
  };
  for (const dir of ["src", "e2e", "bench", "scripts", "bin"]) walk(join(root, dir));
  for (const f of readdirSync(root)) if (/\.config\.ts$/.test(f)) out.push(join(root, f));
  return out;
}

/** Module specifiers a file loads when it runs: static imports and re-exports that are not type-only, and import(). */
function runtimeImports(file: string): string[] {
  const source = ts.createSourceFile(file, readFileSync(file, "utf8"), ts.ScriptTarget.Latest, true);
  const found: string[] = [];
  const visit = (node: ts.Node) => {
    if (ts.isImportDeclaration(node) && ts.isStringLiteral(node.moduleSpecifier)) {
      const clause = node.importClause;
      const typeOnly =
        clause?.isTypeOnly ||
        (clause && !clause.name && clause.namedBindings && ts.isNamedImports(clause.namedBindings) && clause.namedBindings.elements.length > 0
          ? clause.namedBindings.elements.every((e) => e.isTypeOnly)
          : false);
      if (!typeOnly) found.push(node.moduleSpecifier.text);
    } else if (ts.isExportDeclaration(node) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier) && !node.isTypeOnly) {
      found.push(node.moduleSpecifier.text);
    } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
      const [arg] = node.arguments;
      if (arg && ts.isStringLiteral(arg)) found.push(arg.text);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

const builtins = new Set(builtinModules);
/** The package a bare specifier names (`@scope/name/sub` → `@scope/name`), or null for relative, node: and URL ones. */
function packageOf(specifier: string): string | null {
  if (/^(\.|\/|node:|data:|file:|https?:|virtual:)/.test(specifier)) return null;
  const parts = specifier.split("/");
  const name = specifier.startsWith("@") ? parts.slice(0, 2).join("/") : (parts[0] ?? "");
  return builtins.has(name) ? null : name;
}

function packagesUsedBy(files: string[]): Map<string, string[]> {
  const used = new Map<string, string[]>();
  for (const file of files) {
    for (const spec of runtimeImports(file)) {
      const name = packageOf(spec);
      if (name) used.set(name, [...(used.get(name) ?? []), relative(root, file)]);
    }
  }
  return used;
}

describe("package.json declares every package where it is used", () => {
  const runtime = packagesUsedBy(runtimeFiles());

  it("the compiled server and CLI import only dependencies", () => {
    const misplaced = [...runtime].filter(([name]) => !(name in pkg.dependencies)).map(([name, files]) => `${name} (imported by ${files.join(", ")})`);
    expect(misplaced, "move these to dependencies").toEqual([]);
  });

  it("every dependency is used at run time", () => {
    const unused = Object.keys(pkg.dependencies).filter((name) => !runtime.has(name));
    expect(unused, "move these to devDependencies, or remove them").toEqual([]);
  });

  it("tests, the web app, benchmarks and scripts import only declared packages", () => {
    const declared = new Set([...Object.keys(pkg.dependencies), ...Object.keys(pkg.devDependencies)]);
    const undeclared = [...packagesUsedBy(allSourceFiles())]
      .filter(([name]) => !declared.has(name))
      .map(([name, files]) => `${name} (imported by ${files.join(", ")})`);
    expect(undeclared, "declare these in package.json").toEqual([]);
  });

  it("reads imports as they run", () => {
    // The checks above are only as good as this reading: type-only imports load nothing, import() does.
    const dir = mkdtempSync(join(tmpdir(), "rapport-imports-"));
    const file = join(dir, "sample.ts");
    writeFileSync(
      file,
      [
        'import type { A } from "type-pkg";',
        'import { type B } from "type-pkg2";',
        'import def, { c } from "real-pkg/sub";',
        'import "side-effect";',
        'export { d } from "@scope/re-export";',
        'export type { E } from "type-pkg3";',
        'const m = await import("dynamic-pkg");',
      ].join("\n"),
    );
    try {
      expect(runtimeImports(file)).toEqual(["real-pkg/sub", "side-effect", "@scope/re-export", "dynamic-pkg"]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    expect(packageOf("@fastify/swagger-ui/static")).toBe("@fastify/swagger-ui");
    expect(packageOf("drizzle-orm/pglite")).toBe("drizzle-orm");
    expect(packageOf("node:fs")).toBeNull();
    expect(packageOf("fs")).toBeNull();
    expect(packageOf("./x.js")).toBeNull();
  });
});
