import { flatten, type TreeStep } from "./tree.js";

export interface PathError {
  path: string;
  message: string;
}

/**
 * Puts each of the server's validation errors on the step it is about. A path names a step either by its id
 * anywhere in it ("graph.steps.s_ab12.config.url") or by its position in the flat step list ("steps.3.config.url");
 * "trigger…" paths go to the trigger; anything else is a workflow-level error shown above the canvas.
 */
export function errorsByStep(errors: PathError[], steps: TreeStep[]): { byStep: Map<string, string[]>; general: string[] } {
  const flat = flatten(steps);
  const ids = new Set(flat.map((s) => s.id));
  const byStep = new Map<string, string[]>();
  const general: string[] = [];
  const add = (id: string, message: string) => byStep.set(id, [...(byStep.get(id) ?? []), message]);
  for (const e of errors) {
    const parts = e.path.split(/[./]/).filter(Boolean);
    const byId = parts.find((p) => ids.has(p));
    if (byId) {
      add(byId, e.message);
      continue;
    }
    const i = parts.indexOf("steps");
    const index = i >= 0 ? Number(parts[i + 1]) : Number.NaN;
    const step = Number.isInteger(index) ? flat[index] : undefined;
    if (step) {
      add(step.id, e.message);
      continue;
    }
    if (parts.includes("trigger")) {
      add("trigger", e.message);
      continue;
    }
    general.push(e.path ? `${e.path}: ${e.message}` : e.message);
  }
  return { byStep, general };
}
