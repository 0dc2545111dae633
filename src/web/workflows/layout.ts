import type { Edge, Node } from "@xyflow/react";
import { type BranchKey, type Slot, slotKey, type TreeStep } from "./tree.js";

export const NODE_W = 260;
export const NODE_H = 68;
const ADD_H = 36;
const ROW = 112;
const GAP = 48;

export type StepNodeData = { kind: "step"; step: TreeStep; slot: Slot; index: number; listLength: number };
export type TriggerNodeData = { kind: "trigger" };
export type AddNodeData = { kind: "add"; slot: Slot; index: number; label: string };
export type CanvasNodeData = StepNodeData | TriggerNodeData | AddNodeData;
export type InsertEdgeData = { slot: Slot; index: number } | Record<string, never>;

type Extent = { left: number; right: number };

const branchLabels: Record<BranchKey, string> = { yes: "Yes", no: "No", timeout: "Timed out" };

/** Branches a step draws below it, in order: if/else always has both, a wait only when it has a timeout. */
export function branchesOf(step: TreeStep): BranchKey[] {
  if (step.type === "if_else" || step.type === "branch") return ["yes", "no"];
  if (step.branches?.timeout !== undefined) return ["timeout"];
  return [];
}

function measureList(list: TreeStep[]): Extent {
  let left = NODE_W / 2;
  let right = NODE_W / 2;
  for (const s of list) {
    const e = measureStep(s);
    left = Math.max(left, e.left);
    right = Math.max(right, e.right);
  }
  return { left, right };
}

function measureStep(s: TreeStep): Extent {
  const b = branchesOf(s);
  if (b.length === 2) {
    const yes = measureList(s.branches?.yes ?? []);
    const no = measureList(s.branches?.no ?? []);
    return { left: Math.max(NODE_W / 2, yes.right + GAP / 2 + yes.left), right: Math.max(NODE_W / 2, no.left + GAP / 2 + no.right) };
  }
  if (b.length === 1) {
    const t = measureList(s.branches?.timeout ?? []);
    return { left: NODE_W / 2, right: NODE_W / 2 + GAP + t.left + t.right };
  }
  return { left: NODE_W / 2, right: NODE_W / 2 };
}

/**
 * Lays the tree out top to bottom: a node per step, an "add" node closing each list, branch lists side by side
 * under their step, and the main line continuing under the longest branch.
 */
export function layoutTree(steps: TreeStep[]): { nodes: Node<CanvasNodeData>[]; edges: Edge<InsertEdgeData>[] } {
  const nodes: Node<CanvasNodeData>[] = [];
  const edges: Edge<InsertEdgeData>[] = [];
  const node = (id: string, axis: number, y: number, data: CanvasNodeData, h = NODE_H) =>
    nodes.push({
      id,
      type: data.kind,
      position: { x: axis - NODE_W / 2, y },
      data,
      width: NODE_W,
      height: h,
      draggable: false,
      connectable: false,
      selectable: data.kind === "step",
    });
  const edge = (source: string, target: string, extra: Partial<Edge<InsertEdgeData>> = {}) =>
    edges.push({ id: `${source}->${target}`, source, target, type: "insert", data: {}, ...extra });

  /** Draws a list starting at (axis, y); returns the id of its last node and the y below it. */
  const drawList = (list: TreeStep[], slot: Slot, axis: number, y: number, from: { id: string; label?: string } | null): { last: string; y: number } => {
    let prev = from;
    let cy = y;
    list.forEach((s, index) => {
      node(s.id, axis, cy, { kind: "step", step: s, slot, index, listLength: list.length });
      if (prev) edge(prev.id, s.id, { label: prev.label, data: { slot, index } });
      const b = branchesOf(s);
      let bottom = cy + ROW;
      if (b.length === 2) {
        const yes = measureList(s.branches?.yes ?? []);
        const no = measureList(s.branches?.no ?? []);
        const ends: string[] = [];
        const y2 = cy + ROW;
        const yr = drawList(s.branches?.yes ?? [], { parentId: s.id, branch: "yes" }, axis - (yes.right + GAP / 2), y2, { id: s.id, label: branchLabels.yes });
        const nr = drawList(s.branches?.no ?? [], { parentId: s.id, branch: "no" }, axis + (no.left + GAP / 2), y2, { id: s.id, label: branchLabels.no });
        ends.push(yr.last, nr.last);
        bottom = Math.max(yr.y, nr.y);
        prev = { id: `join:${s.id}` };
        // An invisible join point where both branches meet again, so the main line reads as one path.
        nodes.push({
          id: `join:${s.id}`,
          type: "join",
          position: { x: axis - 1, y: bottom - 24 },
          data: { kind: "trigger" },
          width: 2,
          height: 2,
          draggable: false,
          selectable: false,
          focusable: false,
        });
        for (const e of ends) edge(e, `join:${s.id}`, { type: "smoothstep" });
        cy = bottom;
        return;
      }
      if (b.length === 1) {
        const t = measureList(s.branches?.timeout ?? []);
        const tr = drawList(s.branches?.timeout ?? [], { parentId: s.id, branch: "timeout" }, axis + NODE_W / 2 + GAP + t.left, cy + ROW, {
          id: s.id,
          label: branchLabels.timeout,
        });
        bottom = Math.max(bottom, tr.y);
      }
      prev = { id: s.id };
      cy = bottom;
    });
    const addId = `add:${slotKey(slot)}`;
    node(addId, axis, cy, { kind: "add", slot, index: list.length, label: list.length ? "Add a step" : "Add the first step" }, ADD_H);
    if (prev) edge(prev.id, addId, { label: prev.label, data: {} });
    return { last: addId, y: cy + ADD_H + GAP };
  };

  node("trigger", 0, 0, { kind: "trigger" });
  drawList(steps, { parentId: null, branch: null }, 0, ROW, { id: "trigger" });
  return { nodes, edges };
}
