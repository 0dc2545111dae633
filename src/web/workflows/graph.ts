import type { WorkflowDefinitionInput, WorkflowStepInput } from "../../contract/index.js";
import { flatten, type TreeStep } from "./tree.js";

type GraphStep = {
  id: string;
  type: string;
  name?: string;
  config?: Record<string, unknown>;
  next?: Record<string, string | null | undefined>;
  position?: unknown;
};

/**
 * The server stores a workflow as a graph (each step names the step after it per branch); the builder edits a tree.
 * An if/else's two paths end where they meet again (the first step both reach), which becomes the step after the
 * if/else on the main line; a wait's "timed out" path ends the run unless it says otherwise.
 */
export function treeFromGraph(def: { start: string | null; steps: GraphStep[] }): TreeStep[] {
  const byId = new Map(def.steps.map((s) => [s.id, s as GraphStep]));
  const placed = new Set<string>();
  const joinCache = new Map<string, string | null>();

  const nextOf = (id: string, branch: string): string | null => {
    const v = byId.get(id)?.next?.[branch];
    return typeof v === "string" && byId.has(v) ? v : null;
  };

  /** The steps along a path's main line, jumping over nested if/else blocks to where they meet. */
  const line = (start: string | null, seen = new Set<string>()): string[] => {
    const out: string[] = [];
    let cur = start;
    while (cur && !seen.has(cur)) {
      seen.add(cur);
      out.push(cur);
      const s = byId.get(cur);
      cur = s?.type === "if_else" ? joinOf(cur) : nextOf(cur, "next");
    }
    return out;
  };

  const joinOf = (id: string): string | null => {
    if (joinCache.has(id)) return joinCache.get(id) ?? null;
    joinCache.set(id, null);
    const yes = line(nextOf(id, "yes"));
    const yesSet = new Set(yes);
    const join = line(nextOf(id, "no")).find((x) => yesSet.has(x)) ?? null;
    joinCache.set(id, join);
    return join;
  };

  const build = (start: string | null, stop: string | null): TreeStep[] => {
    const out: TreeStep[] = [];
    let cur = start;
    while (cur && cur !== stop && !placed.has(cur)) {
      placed.add(cur);
      const g = byId.get(cur) as GraphStep;
      const step: TreeStep = { id: g.id, type: g.type, name: g.name ?? "", config: (g.config ?? {}) as Record<string, unknown> };
      if (g.type === "if_else") {
        const join = joinOf(cur);
        step.branches = { yes: build(nextOf(cur, "yes"), join), no: build(nextOf(cur, "no"), join) };
        out.push(step);
        cur = join;
        continue;
      }
      if (g.type === "wait") {
        const timeout = nextOf(cur, "timeout");
        if ((g.config as { mode?: string } | undefined)?.mode === "until_condition" || timeout) step.branches = { timeout: build(timeout, null) };
      }
      out.push(step);
      cur = g.type === "stop" ? null : nextOf(cur, "next");
    }
    return out;
  };

  const tree = build(def.start && byId.has(def.start) ? def.start : null, null);
  // Steps no path reaches would be lost on the next save: keep them at the end, where the user sees them.
  for (const s of def.steps) if (!placed.has(s.id)) tree.push(...build(s.id, null));
  return tree;
}

/** The tree as the server's graph: steps in reading order (so "steps.3" in an error is the fourth step read). */
export function graphFromTree(tree: TreeStep[]): { start: string | null; steps: WorkflowStepInput[] } {
  const next = new Map<string, Record<string, string | null>>();
  const emit = (list: TreeStep[], after: string | null): string | null => {
    list.forEach((s, i) => {
      const cont = list[i + 1]?.id ?? after;
      if (s.type === "if_else") next.set(s.id, { yes: emit(s.branches?.yes ?? [], cont), no: emit(s.branches?.no ?? [], cont) });
      else if (s.type === "wait") next.set(s.id, { next: cont, timeout: emit(s.branches?.timeout ?? [], null) });
      else if (s.type === "stop") next.set(s.id, {});
      else next.set(s.id, { next: cont });
    });
    return list[0]?.id ?? after;
  };
  const start = emit(tree, null);
  const steps = flatten(tree).map((s) => ({
    id: s.id,
    type: s.type as WorkflowStepInput["type"],
    name: s.name ?? "",
    config: s.config,
    next: next.get(s.id) ?? {},
  }));
  return { start, steps };
}

export type DefinitionDraft = Omit<WorkflowDefinitionInput, "start" | "steps">;
