import { ActionIcon, Badge, Group, Text, ThemeIcon, Tooltip, UnstyledButton } from "@mantine/core";
import { IconAlertTriangle, IconBolt, IconPlus } from "@tabler/icons-react";
import {
  Background,
  BaseEdge,
  Controls,
  type Edge,
  EdgeLabelRenderer,
  type EdgeProps,
  getSmoothStepPath,
  Handle,
  type Node,
  type NodeProps,
  Position,
  ReactFlow,
  ReactFlowProvider,
  useReactFlow,
} from "@xyflow/react";
import "@xyflow/react/dist/style.css";
import { createContext, type KeyboardEvent, type ReactNode, useCallback, useContext, useEffect, useMemo, useState } from "react";
import { stepKind } from "./catalogue.js";
import { type AddNodeData, type CanvasNodeData, type InsertEdgeData, layoutTree, NODE_W, type StepNodeData } from "./layout.js";
import { flatten, type Slot, type TreeStep } from "./tree.js";
import classes from "./workflows.module.css";

export interface CanvasActions {
  selected: string | null;
  readOnly: boolean;
  errors: Map<string, string[]>;
  trigger: { title: string; summary: string; error?: string };
  summarize: (step: TreeStep) => string;
  onSelect: (id: string) => void;
  onAdd: (slot: Slot, index: number) => void;
  onDelete: (id: string) => void;
  onMove: (id: string, delta: -1 | 1) => void;
  /** Ids in reading order, for arrow-key movement between steps. */
  order: string[];
}

const Ctx = createContext<CanvasActions | null>(null);
function useCanvas(): CanvasActions {
  const c = useContext(Ctx);
  if (!c) throw new Error("Canvas context missing");
  return c;
}

export function focusStep(id: string) {
  document.querySelector<HTMLElement>(`[data-step-focus="${CSS.escape(id)}"]`)?.focus();
}

/**
 * Keys on a focused step: Enter opens its settings, Delete removes it, "a" adds a step after it, Alt+↑/↓ moves it,
 * ↑/↓ go to the previous/next step. The same keys work in the phone list.
 */
export function stepKeyHandler(c: CanvasActions, id: string, at: { slot: Slot; index: number } | null) {
  return (e: KeyboardEvent) => {
    const i = c.order.indexOf(id);
    if (e.key === "Enter" || e.key === " ") {
      e.preventDefault();
      c.onSelect(id);
      // The settings open beside the canvas: move the keyboard there (Escape comes back to the step).
      setTimeout(() => {
        const panel = document.querySelector('[data-testid="side-panel"]');
        (panel?.querySelector<HTMLElement>("input:not([disabled]), textarea") ?? panel?.querySelector<HTMLElement>("button"))?.focus();
      }, 50);
    } else if ((e.key === "Delete" || e.key === "Backspace") && !c.readOnly && id !== "trigger") {
      e.preventDefault();
      const next = c.order[i + 1] ?? c.order[i - 1];
      c.onDelete(id);
      if (next) setTimeout(() => focusStep(next), 0);
    } else if ((e.key === "a" || e.key === "+") && !c.readOnly && !e.ctrlKey && !e.metaKey) {
      e.preventDefault();
      if (id === "trigger") c.onAdd({ parentId: null, branch: null }, 0);
      else if (at) c.onAdd(at.slot, at.index + 1);
    } else if (e.altKey && (e.key === "ArrowUp" || e.key === "ArrowDown") && !c.readOnly && id !== "trigger") {
      e.preventDefault();
      c.onMove(id, e.key === "ArrowUp" ? -1 : 1);
      setTimeout(() => focusStep(id), 0);
    } else if (e.key === "ArrowDown" || e.key === "ArrowUp") {
      e.preventDefault();
      const target = c.order[e.key === "ArrowDown" ? i + 1 : i - 1];
      if (target) focusStep(target);
    }
  };
}

function TriggerNode() {
  const c = useCanvas();
  const selected = c.selected === "trigger";
  return (
    <>
      <UnstyledButton
        className={classes.node}
        data-selected={selected || undefined}
        data-error={c.trigger.error ? true : undefined}
        data-step-focus="trigger"
        data-testid="canvas-trigger"
        aria-label={`Trigger: ${c.trigger.summary}${c.trigger.error ? `. Problem: ${c.trigger.error}` : ""}`}
        aria-pressed={selected}
        onClick={() => c.onSelect("trigger")}
        onKeyDown={stepKeyHandler(c, "trigger", null)}
        style={{ width: NODE_W }}
      >
        <Group gap="sm" wrap="nowrap">
          <ThemeIcon color="orange" variant="light" radius="md" size={36}>
            <IconBolt size={20} />
          </ThemeIcon>
          <div style={{ minWidth: 0 }}>
            <Text fz={11} fw={700} tt="uppercase" c="dimmed">
              {c.trigger.title}
            </Text>
            <Text fz="sm" fw={500} lineClamp={2}>
              {c.trigger.summary}
            </Text>
          </div>
        </Group>
      </UnstyledButton>
      <Handle type="source" position={Position.Bottom} isConnectable={false} className={classes.handle} />
    </>
  );
}

function StepNode({ data }: NodeProps<Node<StepNodeData>>) {
  const c = useCanvas();
  const s = data.step;
  const kind = stepKind(s.type);
  const errors = c.errors.get(s.id) ?? [];
  const selected = c.selected === s.id;
  const summary = c.summarize(s);
  return (
    <>
      <Handle type="target" position={Position.Top} isConnectable={false} className={classes.handle} />
      <UnstyledButton
        className={classes.node}
        data-selected={selected || undefined}
        data-error={errors.length ? true : undefined}
        data-step-focus={s.id}
        data-testid="canvas-step"
        data-step-type={s.type}
        aria-label={`Step ${c.order.indexOf(s.id)}: ${s.name || kind.label}. ${summary}${errors.length ? `. Problem: ${errors.join("; ")}` : ""}`}
        aria-pressed={selected}
        aria-keyshortcuts="Enter Delete A Alt+ArrowUp Alt+ArrowDown"
        onClick={() => c.onSelect(s.id)}
        onKeyDown={stepKeyHandler(c, s.id, { slot: data.slot, index: data.index })}
        style={{ width: NODE_W }}
      >
        <Group gap="sm" wrap="nowrap">
          <ThemeIcon color={kind.color} variant="light" radius="md" size={36}>
            {kind.icon(20)}
          </ThemeIcon>
          <div style={{ minWidth: 0, flex: 1 }}>
            <Text fz="sm" fw={600} truncate>
              {s.name || kind.label}
            </Text>
            <Text fz="xs" c="dimmed" lineClamp={2}>
              {summary}
            </Text>
          </div>
          {errors.length > 0 && (
            <Tooltip label={errors.join(" · ")} multiline w={260} withArrow>
              <Badge color="red" variant="filled" size="sm" leftSection={<IconAlertTriangle size={12} />} data-testid="step-error-badge">
                {errors.length}
              </Badge>
            </Tooltip>
          )}
        </Group>
      </UnstyledButton>
      <Handle type="source" position={Position.Bottom} isConnectable={false} className={classes.handle} />
    </>
  );
}

function AddNode({ data }: NodeProps<Node<AddNodeData>>) {
  const c = useCanvas();
  if (c.readOnly) {
    return (
      <>
        <Handle type="target" position={Position.Top} isConnectable={false} className={classes.handle} />
        <Text fz="xs" c="dimmed" ta="center" style={{ width: NODE_W }} pt={8}>
          End
        </Text>
      </>
    );
  }
  return (
    <>
      <Handle type="target" position={Position.Top} isConnectable={false} className={classes.handle} />
      <UnstyledButton className={classes.addNode} style={{ width: NODE_W }} onClick={() => c.onAdd(data.slot, data.index)} data-testid="canvas-add">
        <IconPlus size={14} /> {data.label}
      </UnstyledButton>
      <Handle type="source" position={Position.Bottom} isConnectable={false} className={classes.handle} />
    </>
  );
}

function JoinNode() {
  return (
    <>
      <Handle type="target" position={Position.Top} isConnectable={false} className={classes.handle} />
      <Handle type="source" position={Position.Bottom} isConnectable={false} className={classes.handle} />
    </>
  );
}

function InsertEdge(props: EdgeProps<Edge<InsertEdgeData>>) {
  const c = useCanvas();
  const [path, lx, ly] = getSmoothStepPath({ ...props, borderRadius: 12 });
  const insert = props.data && "slot" in props.data ? (props.data as { slot: Slot; index: number }) : null;
  return (
    <>
      <BaseEdge id={props.id} path={path} markerEnd={props.markerEnd} />
      <EdgeLabelRenderer>
        <div className={classes.edgeLabel} style={{ transform: `translate(-50%, -50%) translate(${lx}px, ${ly}px)` }}>
          {props.label ? (
            <Badge size="sm" variant="light" color={props.label === "No" ? "gray" : props.label === "Timed out" ? "orange" : "violet"}>
              {props.label}
            </Badge>
          ) : insert && !c.readOnly ? (
            <ActionIcon
              size="sm"
              radius="xl"
              variant="default"
              aria-label="Insert a step here"
              onClick={() => c.onAdd(insert.slot, insert.index)}
              tabIndex={-1}
            >
              <IconPlus size={12} />
            </ActionIcon>
          ) : null}
        </div>
      </EdgeLabelRenderer>
    </>
  );
}

const noop = () => undefined;
const nodeTypes = { trigger: TriggerNode, step: StepNode, add: AddNode, join: JoinNode };
const edgeTypes = { insert: InsertEdge };

function Flow({ steps, focusId }: { steps: TreeStep[]; focusId: string | null }) {
  const { nodes, edges } = useMemo(() => layoutTree(steps), [steps]);
  // Computed once: the view must not jump back to the top on every edit.
  const [openingNodes] = useState(() => [{ id: "trigger" }, ...steps.slice(0, 3).map((s) => ({ id: s.id }))]);
  const flow = useReactFlow();
  // Bring the selected step into view when it was chosen from outside the canvas (the keyboard, an error link).
  useEffect(() => {
    if (!focusId) return;
    const n = flow.getNode(focusId);
    if (!n) return;
    const { x, y, zoom } = flow.getViewport();
    const el = document.querySelector(".react-flow");
    const w = el?.clientWidth ?? 800;
    const h = el?.clientHeight ?? 600;
    const sx = n.position.x * zoom + x;
    const sy = n.position.y * zoom + y;
    if (sx < 0 || sy < 0 || sx + NODE_W * zoom > w || sy + 70 * zoom > h)
      void flow.setCenter(n.position.x + NODE_W / 2, n.position.y + 34, { zoom, duration: 200 });
  }, [focusId, flow]);
  return (
    <ReactFlow<Node<CanvasNodeData>, Edge<InsertEdgeData>>
      nodes={nodes}
      edges={edges}
      nodeTypes={nodeTypes}
      edgeTypes={edgeTypes}
      nodesDraggable={false}
      nodesConnectable={false}
      nodesFocusable={false}
      edgesFocusable={false}
      elementsSelectable={false}
      deleteKeyCode={null}
      selectionKeyCode={null}
      multiSelectionKeyCode={null}
      // xyflow leaves nodes it cannot select or drag without pointer events; a click handler gives them back, so
      // the trigger and the "add" nodes take clicks (each node handles its own).
      onNodeClick={noop}
      fitView
      // Readable first: the view opens on the trigger and the first steps at a legible zoom; the rest is a scroll
      // away, rather than the whole workflow shrunk to fit.
      fitViewOptions={{ padding: 0.1, maxZoom: 1, minZoom: 0.8, nodes: openingNodes }}
      minZoom={0.3}
      maxZoom={1.5}
      proOptions={{ hideAttribution: true }}
      panOnScroll
      zoomOnDoubleClick={false}
    >
      <Background gap={20} size={1} />
      <Controls showInteractive={false} position="bottom-left" />
    </ReactFlow>
  );
}

export function WorkflowCanvas({ steps, actions }: { steps: TreeStep[]; actions: Omit<CanvasActions, "order"> }) {
  const order = useMemo(() => ["trigger", ...flatten(steps).map((s) => s.id)], [steps]);
  const value = useMemo(() => ({ ...actions, order }), [actions, order]);
  return (
    <Ctx.Provider value={value}>
      <ReactFlowProvider>
        <section className={classes.canvas} data-testid="workflow-canvas" aria-label="Workflow steps. Use Tab or the arrow keys to move between steps.">
          <Flow steps={steps} focusId={actions.selected} />
        </section>
      </ReactFlowProvider>
    </Ctx.Provider>
  );
}

/** The same tree as an indented list, for phones where a canvas is too small to use. */
export function WorkflowList({ steps, actions }: { steps: TreeStep[]; actions: Omit<CanvasActions, "order"> }) {
  const order = useMemo(() => ["trigger", ...flatten(steps).map((s) => s.id)], [steps]);
  const c = useMemo(() => ({ ...actions, order }), [actions, order]);
  const renderList = useCallback(
    (list: TreeStep[], slot: Slot, depth: number): ReactNode => (
      <div className={classes.phoneList} style={{ marginLeft: depth ? 16 : 0 }}>
        {list.map((s, index) => {
          const kind = stepKind(s.type);
          const errors = c.errors.get(s.id) ?? [];
          return (
            <div key={s.id}>
              <UnstyledButton
                className={classes.node}
                data-selected={c.selected === s.id || undefined}
                data-error={errors.length ? true : undefined}
                data-step-focus={s.id}
                data-testid="list-step"
                onClick={() => c.onSelect(s.id)}
                onKeyDown={stepKeyHandler(c, s.id, { slot, index })}
                w="100%"
              >
                <Group gap="sm" wrap="nowrap">
                  <ThemeIcon color={kind.color} variant="light" radius="md" size={32}>
                    {kind.icon(18)}
                  </ThemeIcon>
                  <div style={{ minWidth: 0, flex: 1 }}>
                    <Text fz="sm" fw={600}>
                      {s.name || kind.label}
                    </Text>
                    <Text fz="xs" c="dimmed">
                      {c.summarize(s)}
                    </Text>
                    {errors.map((e) => (
                      <Text key={e} fz="xs" c="red">
                        {e}
                      </Text>
                    ))}
                  </div>
                </Group>
              </UnstyledButton>
              {(["yes", "no", "timeout"] as const)
                .filter((b) => s.branches?.[b] !== undefined || ((s.type === "if_else" || s.type === "branch") && b !== "timeout"))
                .map((b) => (
                  <div key={b} className={classes.phoneBranch}>
                    <Text fz="xs" fw={700} c="dimmed" tt="uppercase" mt={6}>
                      {b === "yes" ? "If yes" : b === "no" ? "If no" : "If it times out"}
                    </Text>
                    {renderList(s.branches?.[b] ?? [], { parentId: s.id, branch: b }, depth + 1)}
                  </div>
                ))}
            </div>
          );
        })}
        {!c.readOnly && (
          <UnstyledButton className={classes.addNode} onClick={() => c.onAdd(slot, list.length)} w="100%">
            <IconPlus size={14} /> Add a step
          </UnstyledButton>
        )}
      </div>
    ),
    [c],
  );
  return (
    <Ctx.Provider value={c}>
      <div data-testid="workflow-list">
        <UnstyledButton
          className={classes.node}
          data-selected={c.selected === "trigger" || undefined}
          data-error={c.trigger.error ? true : undefined}
          data-step-focus="trigger"
          onClick={() => c.onSelect("trigger")}
          onKeyDown={stepKeyHandler(c, "trigger", null)}
          w="100%"
          mb="xs"
        >
          <Text fz={11} fw={700} tt="uppercase" c="dimmed">
            {c.trigger.title}
          </Text>
          <Text fz="sm" fw={500}>
            {c.trigger.summary}
          </Text>
        </UnstyledButton>
        {renderList(steps, { parentId: null, branch: null }, 0)}
      </div>
    </Ctx.Provider>
  );
}
