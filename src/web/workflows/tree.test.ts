import { describe, expect, it } from "vitest";
import { workflowTemplates } from "../../contract/index.js";
import { errorsByStep } from "./errors.js";
import { graphFromTree, treeFromGraph } from "./graph.js";
import { layoutTree, NODE_W } from "./layout.js";
import { flatten, insertStep, locate, moveStep, removeStep, type TreeStep, updateStep } from "./tree.js";

const s = (id: string, type = "create_task", branches?: TreeStep["branches"]): TreeStep => ({ id, type, config: {}, ...(branches ? { branches } : {}) });

const tree: TreeStep[] = [s("a", "assign_owner"), s("b", "if_else", { yes: [s("c"), s("d")], no: [] }), s("e", "send_email")];

describe("workflow tree editing", () => {
  it("inserts into a branch and leaves the original untouched", () => {
    const next = insertStep(tree, { parentId: "b", branch: "no" }, 0, s("x"));
    expect(next[1]?.branches?.no?.map((t) => t.id)).toEqual(["x"]);
    expect(tree[1]?.branches?.no).toEqual([]);
  });

  it("moves a step within its own list only", () => {
    expect(moveStep(tree, "d", -1)[1]?.branches?.yes?.map((t) => t.id)).toEqual(["d", "c"]);
    expect(moveStep(tree, "c", -1)[1]?.branches?.yes?.map((t) => t.id)).toEqual(["c", "d"]);
    expect(moveStep(tree, "a", 1).map((t) => t.id)).toEqual(["b", "a", "e"]);
  });

  it("removes a step and with it its branches", () => {
    const next = removeStep(tree, "b");
    expect(flatten(next).map((t) => t.id)).toEqual(["a", "e"]);
  });

  it("locates nested steps and updates them in place", () => {
    expect(locate(tree, "d")).toEqual({ slot: { parentId: "b", branch: "yes" }, index: 1 });
    const next = updateStep(tree, "d", (t) => ({ ...t, config: { title: "Call" } }));
    expect(next[1]?.branches?.yes?.[1]?.config).toEqual({ title: "Call" });
  });

  it("reads steps depth first", () => {
    expect(flatten(tree).map((t) => t.id)).toEqual(["a", "b", "c", "d", "e"]);
  });
});

describe("validation errors on steps", () => {
  it("maps ids, flat indexes and the trigger; keeps the rest general", () => {
    const { byStep, general } = errorsByStep(
      [
        { path: "graph.steps.d.config.title", message: "Give the task a title" },
        { path: "steps.4.config.to", message: "Choose who receives the email" },
        { path: "trigger.fields", message: "Unknown field “foo”" },
        { path: "name", message: "Give the workflow a name" },
      ],
      tree,
    );
    expect(byStep.get("d")).toEqual(["Give the task a title"]);
    expect(byStep.get("e")).toEqual(["Choose who receives the email"]);
    expect(byStep.get("trigger")).toEqual(["Unknown field “foo”"]);
    expect(general).toEqual(["name: Give the workflow a name"]);
  });
});

describe("canvas layout", () => {
  it("puts the yes branch left of the no branch and never overlaps nodes", () => {
    const { nodes, edges } = layoutTree(tree);
    const at = (id: string) => nodes.find((n) => n.id === id)?.position;
    expect((at("c")?.x ?? 0) < (at("add:b:no")?.x ?? 0)).toBe(true);
    // The main line continues below the longest branch.
    expect((at("e")?.y ?? 0) > (at("d")?.y ?? 0)).toBe(true);
    const boxes = nodes.filter((n) => n.type !== "join").map((n) => ({ id: n.id, x: n.position.x, y: n.position.y, h: n.height ?? 0 }));
    for (const p of boxes)
      for (const q of boxes) {
        if (p.id >= q.id) continue;
        const overlap = p.x < q.x + NODE_W && q.x < p.x + NODE_W && p.y < q.y + q.h && q.y < p.y + p.h;
        expect(overlap, `${p.id} overlaps ${q.id}`).toBe(false);
      }
    expect(edges.find((e) => e.source === "b" && e.target === "c")?.label).toBe("Yes");
    expect(edges.find((e) => e.source === "b" && e.target === "add:b:no")?.label).toBe("No");
  });
});

describe("graph ↔ tree", () => {
  it("reads a template's if/else with an ending branch and writes it back the same", () => {
    const escalation = workflowTemplates.find((t) => t.id === "overdue-task-escalation");
    if (!escalation) throw new Error("template missing");
    const t = treeFromGraph(escalation.definition);
    expect(t.map((x) => x.id)).toEqual(["still-open"]);
    expect(t[0]?.branches?.yes?.map((x) => x.id)).toEqual(["escalate"]);
    expect(t[0]?.branches?.no).toEqual([]);
    const g = graphFromTree(t);
    expect(g.start).toBe("still-open");
    expect(g.steps.find((x) => x.id === "still-open")?.next).toEqual({ yes: "escalate", no: null });
    expect(g.steps.find((x) => x.id === "escalate")?.next).toEqual({ next: null });
  });

  it("finds where two branches meet again and continues the main line there", () => {
    const def = {
      start: "a",
      steps: [
        { id: "a", type: "if_else" as const, name: "", config: {}, next: { yes: "b", no: "c" }, position: null },
        { id: "b", type: "create_note" as const, name: "", config: {}, next: { next: "d" }, position: null },
        { id: "c", type: "create_task" as const, name: "", config: {}, next: { next: "d" }, position: null },
        { id: "d", type: "wait" as const, name: "", config: { mode: "until_condition" }, next: { next: "e", timeout: "f" }, position: null },
        { id: "e", type: "notify" as const, name: "", config: {}, next: { next: null }, position: null },
        { id: "f", type: "stop" as const, name: "", config: {}, next: {}, position: null },
      ],
    };
    const t = treeFromGraph(def);
    expect(t.map((x) => x.id)).toEqual(["a", "d", "e"]);
    expect(t[1]?.branches?.timeout?.map((x) => x.id)).toEqual(["f"]);
    const back = graphFromTree(t);
    const next = Object.fromEntries(back.steps.map((x) => [x.id, x.next]));
    expect(next).toEqual(Object.fromEntries(def.steps.map((x) => [x.id, x.next])));
    expect(back.steps.map((x) => x.id)).toEqual(flatten(t).map((x) => x.id));
  });

  it("keeps steps no path reaches instead of dropping them", () => {
    const t = treeFromGraph({
      start: "a",
      steps: [
        { id: "a", type: "create_note", name: "", config: {}, next: { next: null }, position: null },
        { id: "z", type: "create_task", name: "", config: {}, next: { next: null }, position: null },
      ],
    });
    expect(flatten(t).map((x) => x.id)).toEqual(["a", "z"]);
  });
});
