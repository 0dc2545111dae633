/**
 * Import rules, checked by `npm run lint` (dependency-cruiser). ARCHITECTURE.md's layering, as rules:
 * every rule names the reason it exists, and that reason is what a failing lint prints.
 *
 * Type-only imports count (tsPreCompilationDeps): an `import type` cycle costs nothing at run time, but it still
 * ties two modules together so that neither can change or move without the other, which is what the rule is for.
 */
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: "no-circular",
      severity: "error",
      comment:
        "Import cycle. Reactions between modules go through the event stream (a Consumer in src/jobs/system.ts), " +
        "lookups through the owning module's small surface (a lookups.ts that reads only its own tables); shared types move down.",
      from: {},
      to: { circular: true },
    },
    {
      name: "web-imports-only-contract",
      severity: "error",
      comment: "The web app talks to the server over HTTP only: it imports src/contract and itself, nothing else of ours.",
      from: { path: "^src/web/" },
      to: { path: "^(src|bench|e2e|scripts)/", pathNot: "^src/(web|contract)/" },
    },
    {
      name: "contract-imports-nothing-of-ours",
      severity: "error",
      comment: "src/contract is shared by server, web client and OpenAPI: it depends on no other part of the repository.",
      from: { path: "^src/contract/" },
      to: { path: "^(src|bench|e2e|scripts)/", pathNot: "^src/contract/" },
    },
    {
      name: "core-and-db-below-modules",
      severity: "error",
      comment:
        "src/core and src/db sit below the modules and never call them (a lookup a shared helper needs moves down, " +
        "or the module passes it in). Only db/schema.ts gathers the modules' table definitions, for Drizzle and drizzle-kit.",
      // Tests beside the code may drive the real modules: an integration test of a db helper needs real tables.
      from: { path: "^src/(core|db)/", pathNot: ["^src/db/schema\\.ts$", "\\.test\\.ts$"] },
      to: { path: "^src/(modules|server|cli|jobs|web)/" },
    },
    {
      name: "schema-gathers-tables-only",
      severity: "error",
      comment: "db/schema.ts may import each module's table.ts, and nothing else of the modules.",
      from: { path: "^src/db/schema\\.ts$" },
      to: { path: "^src/(modules|server|cli|jobs|web)/", pathNot: "^src/modules/[^/]+/table\\.ts$" },
    },
    {
      name: "services-never-import-server-or-cli",
      severity: "error",
      comment:
        "Module logic runs the same from HTTP, CLI, jobs and tests: only a module's routes (and public pages such as the " +
        "web forms and the help centre, which are routes) may import src/server; nothing in src/modules imports src/cli.",
      from: {
        path: "^src/modules/",
        pathNot: ["^src/modules/[^/]+/routes\\.ts$", "^src/modules/[^/]+/public-routes\\.ts$", "^src/modules/leads/public\\.ts$", "\\.test\\.ts$"],
      },
      to: { path: "^src/(server|cli)/" },
    },
    {
      name: "no-reaching-into-other-modules-tables",
      severity: "error",
      comment:
        "A module's code reads another module's records through that module's service or lookups, not its table " +
        "(tables may reference each other for foreign keys; tests may seed). The exceptions are the offenders that " +
        "predate this rule; do not add to them.",
      from: {
        path: "^src/modules/([^/]+)/",
        pathNot: [
          "^src/modules/[^/]+/table\\.ts$",
          "\\.test\\.ts$",
          "^src/modules/[^/]+/testing\\.ts$",
          // Known offenders (sign-up and key resolution read users and workspaces; the event stream reads the outbox that
          // history writes; the timeline's stray-activity query reads contacts' stray_activity_at).
          "^src/modules/auth/service\\.ts$",
          "^src/modules/api-keys/service\\.ts$",
          "^src/modules/events/service\\.ts$",
          "^src/modules/activities/service\\.ts$",
        ],
      },
      to: { path: "^src/modules/[^/]+/table\\.ts$", pathNot: "^src/modules/$1/table\\.ts$" },
    },
    {
      name: "src-never-imports-bench-e2e-scripts",
      severity: "error",
      comment: "Benchmarks live in bench/, browser tests in e2e/, tooling in scripts/: the application never imports them.",
      from: { path: "^src/" },
      to: { path: "^(bench|e2e|scripts)/" },
    },
    {
      name: "benchmarks-live-in-bench",
      severity: "error",
      comment: "Benchmark scripts live in bench/, not in src/ (name it bench/<what>.ts).",
      from: { path: "^src/.*bench[^/]*\\.ts$" },
      to: {},
    },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    exclude: { path: ["^src/db/migrations/", "^bench/results/", "^bench/\\.data/", "^dist/"] },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
    enhancedResolveOptions: {
      exportsFields: ["exports"],
      conditionNames: ["import", "require", "node", "default", "types"],
      extensions: [".ts", ".tsx", ".js", ".mjs", ".cjs", ".json"],
    },
    cache: false,
  },
};
