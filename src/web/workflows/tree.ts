/**
 * The builder edits a workflow as a tree: a list of steps, where an if/else step holds a "yes" and a "no" list and
 * a wait step may hold a "timeout" list. Editing a tree (insert after, move up, delete) is simple and keeps every
 * branch closed; the canvas and the phone list are two drawings of the same tree.
 */

export type BranchKey = "yes" | "no" | "timeout";

export interface TreeStep {
  id: string;
  type: string;
  /** Shown on the canvas instead of the type's label when set. */
  name?: string;
  config: Record<string, unknown>;
  branches?: Partial<Record<BranchKey, TreeStep[]>>;
}

/** Where a list of steps lives: the main line, or a branch of a step. */
export interface Slot {
  parentId: string | null;
  branch: BranchKey | null;
}

export const mainSlot: Slot = { parentId: null, branch: null };

export function slotKey(s: Slot): string {
  return s.parentId ? `${s.parentId}:${s.branch}` : "main";
}

export function newStepId(): string {
  return `s_${Math.random().toString(36).slice(2, 10)}`;
}

function listAt(steps: TreeStep[], slot: Slot): TreeStep[] | null {
  if (!slot.parentId) return steps;
  const parent = findStep(steps, slot.parentId);
  if (!parent || !slot.branch) return null;
  return parent.branches?.[slot.branch] ?? [];
}

export function findStep(steps: TreeStep[], id: string): TreeStep | null {
  for (const s of steps) {
    if (s.id === id) return s;
    for (const list of Object.values(s.branches ?? {})) {
      const f = findStep(list ?? [], id);
      if (f) return f;
    }
  }
  return null;
}

/** The slot a step sits in and its index there. */
export function locate(steps: TreeStep[], id: string, slot: Slot = mainSlot): { slot: Slot; index: number } | null {
  for (let i = 0; i < steps.length; i++) {
    const s = steps[i] as TreeStep;
    if (s.id === id) return { slot, index: i };
    for (const [b, list] of Object.entries(s.branches ?? {})) {
      const f = locate(list ?? [], id, { parentId: s.id, branch: b as BranchKey });
      if (f) return f;
    }
  }
  return null;
}

/** Applies `edit` to the list at `slot`, returning a new tree (the old one is left as it was). */
function mapList(steps: TreeStep[], slot: Slot, edit: (list: TreeStep[]) => TreeStep[]): TreeStep[] {
  if (!slot.parentId) return edit(steps);
  return steps.map((s) => {
    if (s.id === slot.parentId && slot.branch) {
      return { ...s, branches: { ...s.branches, [slot.branch]: edit(s.branches?.[slot.branch] ?? []) } };
    }
    if (!s.branches) return s;
    const branches: Partial<Record<BranchKey, TreeStep[]>> = {};
    for (const [b, list] of Object.entries(s.branches)) branches[b as BranchKey] = mapList(list ?? [], slot, edit);
    return { ...s, branches };
  });
}

export function insertStep(steps: TreeStep[], slot: Slot, index: number, step: TreeStep): TreeStep[] {
  return mapList(steps, slot, (list) => [...list.slice(0, index), step, ...list.slice(index)]);
}

export function removeStep(steps: TreeStep[], id: string): TreeStep[] {
  const at = locate(steps, id);
  if (!at) return steps;
  return mapList(steps, at.slot, (list) => list.filter((s) => s.id !== id));
}

/** Moves a step one place up or down within its own list; at either end it stays. */
export function moveStep(steps: TreeStep[], id: string, delta: -1 | 1): TreeStep[] {
  const at = locate(steps, id);
  if (!at) return steps;
  return mapList(steps, at.slot, (list) => {
    const j = at.index + delta;
    if (j < 0 || j >= list.length) return list;
    const next = [...list];
    [next[at.index], next[j]] = [next[j] as TreeStep, next[at.index] as TreeStep];
    return next;
  });
}

export function updateStep(steps: TreeStep[], id: string, patch: (s: TreeStep) => TreeStep): TreeStep[] {
  return steps.map((s) => {
    if (s.id === id) return patch(s);
    if (!s.branches) return s;
    const branches: Partial<Record<BranchKey, TreeStep[]>> = {};
    for (const [b, list] of Object.entries(s.branches)) branches[b as BranchKey] = updateStep(list ?? [], id, patch);
    return { ...s, branches };
  });
}

/** Every step, depth first, in reading order (the order of the keyboard and of the phone list). */
export function flatten(steps: TreeStep[]): TreeStep[] {
  const out: TreeStep[] = [];
  for (const s of steps) {
    out.push(s);
    for (const b of ["yes", "no", "timeout"] as const) if (s.branches?.[b]) out.push(...flatten(s.branches[b] ?? []));
  }
  return out;
}

export function containsStep(steps: TreeStep[], id: string): boolean {
  return findStep(steps, id) !== null;
}

export { listAt };
