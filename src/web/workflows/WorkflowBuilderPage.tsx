import { ActionIcon, Alert, Badge, Button, Group, Kbd, Menu, Skeleton, Stack, Tabs, Text, TextInput, Title, Tooltip, UnstyledButton } from "@mantine/core";
import { useDocumentTitle, useMediaQuery } from "@mantine/hooks";
import {
  IconAlertTriangle,
  IconArrowDown,
  IconArrowLeft,
  IconArrowUp,
  IconChevronDown,
  IconDeviceFloppy,
  IconFlask,
  IconHistory,
  IconPlayerPause,
  IconPlayerPlay,
  IconRocket,
  IconTrash,
  IconX,
} from "@tabler/icons-react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { getRouteApi, useNavigate } from "@tanstack/react-router";
import { type KeyboardEvent, useCallback, useEffect, useMemo, useState } from "react";
import { AnchorLink } from "../components/links.js";
import { ApiError } from "../http/client.js";
import { formatDateTime } from "../lib/format.js";
import { notifyError, notifySuccess } from "../lib/notify.js";
import {
  type Draft,
  draftOf,
  publishWorkflow,
  renameWorkflow,
  saveDraft,
  setWorkflowPaused,
  triggerInWords,
  triggerObjectLabel,
  type WorkflowDetail,
  workflowQuery,
  workflowStatusColors,
  workflowStatusLabels,
} from "./api.js";
import { focusStep, WorkflowCanvas, WorkflowList } from "./Canvas.js";
import { groupLabels, type StepGroup, stepKind, stepKinds } from "./catalogue.js";
import { errorsByStep, type PathError } from "./errors.js";
import { RunsTab } from "./RunsTab.js";
import { StepForm, stepSummary, TriggerForm } from "./StepForms.js";
import { TestOnRecord } from "./TestOnRecord.js";
import { findStep, insertStep, locate, moveStep, newStepId, removeStep, type Slot, type TreeStep, updateStep } from "./tree.js";
import { VersionsTab } from "./VersionsTab.js";
import classes from "./workflows.module.css";

const route = getRouteApi("/workflows/$id");

/** A new step's starting config: what the server would default, so it can be saved before every field is filled. */
const noProblems = { byStep: new Map<string, string[]>(), general: [] as string[] };

function defaultConfig(type: string): Record<string, unknown> {
  switch (type) {
    case "update_fields":
      return { updates: [] };
    case "create_task":
      return { title: "", description: "", dueIn: { amount: 1, unit: "days" }, priority: "normal", assignee: { kind: "owner" } };
    case "assign_owner":
      return { mode: "user", userId: null, teamId: null };
    case "tags":
      return { add: [], remove: [] };
    case "send_email":
      return { to: [{ kind: "record_contact" }], subject: "", body: "" };
    case "notify":
      return { to: [{ kind: "owner" }], title: "", body: "" };
    case "http_request":
      return { method: "POST", url: "", headers: [{ name: "content-type", value: "application/json" }], body: "", timeoutSeconds: 15 };
    case "wait":
      return { mode: "duration", duration: { amount: 1, unit: "days" } };
    case "if_else":
      return { condition: { all: [] } };
    case "stop":
      return { reason: "" };
    default:
      return {};
  }
}

export function WorkflowBuilderPage() {
  const { id } = route.useParams();
  const { tab } = route.useSearch();
  const navigate = useNavigate();
  const wf = useQuery(workflowQuery(id));
  useDocumentTitle(wf.data ? `${wf.data.name} · Workflows · Rapport` : "Workflows · Rapport");

  if (wf.isPending) {
    return (
      <Stack gap="md">
        <Skeleton h={32} w={320} />
        <Skeleton h={480} />
      </Stack>
    );
  }
  if (wf.isError) {
    const notFound = (wf.error as { status?: number }).status === 404;
    return (
      <Stack gap="md" maw={640}>
        <BackLink />
        <Alert
          color={notFound ? "gray" : "red"}
          variant="light"
          icon={<IconAlertTriangle size={18} />}
          title={notFound ? "Workflow not found" : "Could not load the workflow"}
        >
          {notFound ? "It may have been deleted." : wf.error.message}
        </Alert>
      </Stack>
    );
  }
  const current = tab === "runs" || tab === "versions" ? tab : "builder";
  return (
    <Stack gap="sm">
      <BackLink />
      <Tabs
        value={current}
        onChange={(v) => void navigate({ to: "/workflows/$id", params: { id }, search: v === "builder" ? {} : { tab: v ?? undefined } })}
        keepMounted={false}
      >
        <Tabs.List mb="sm">
          <Tabs.Tab value="builder" data-testid="tab-builder">
            Builder
          </Tabs.Tab>
          <Tabs.Tab value="runs" data-testid="tab-runs">
            Runs
          </Tabs.Tab>
          <Tabs.Tab value="versions" data-testid="tab-versions">
            Versions
          </Tabs.Tab>
        </Tabs.List>
        <Tabs.Panel value="builder">
          <Builder key={wf.data.id} wf={wf.data} />
        </Tabs.Panel>
        <Tabs.Panel value="runs">
          <RunsTab workflow={wf.data} />
        </Tabs.Panel>
        <Tabs.Panel value="versions">
          <VersionsTab workflow={wf.data} />
        </Tabs.Panel>
      </Tabs>
    </Stack>
  );
}

function BackLink() {
  return (
    <AnchorLink to="/workflows" fz="sm" c="dimmed" w="fit-content" style={{ display: "inline-flex", alignItems: "center", gap: 4 }}>
      <IconArrowLeft size={14} /> Workflows
    </AnchorLink>
  );
}

type Selection = { kind: "step"; id: string } | { kind: "trigger" } | { kind: "add"; slot: Slot; index: number } | null;

function Builder({ wf }: { wf: WorkflowDetail }) {
  const qc = useQueryClient();
  const isPhone = useMediaQuery("(max-width: 48em)") ?? false;
  const [draft, setDraft] = useState<Draft>(() => draftOf(wf));
  const [dirty, setDirty] = useState(false);
  const [selection, setSelection] = useState<Selection>(null);
  // The server's errors, put on steps when they arrived: their step indexes refer to the definition then sent.
  const [problems, setProblems] = useState<{ byStep: Map<string, string[]>; general: string[] }>(noProblems);
  const [testing, setTesting] = useState(false);
  const readOnly = !wf.canEdit;

  const edit = useCallback((next: (d: Draft) => Draft) => {
    setDraft((d) => next(d));
    setDirty(true);
  }, []);

  // Leaving with unsaved changes asks first: a half-built workflow is easy to lose.
  useEffect(() => {
    if (!dirty) return;
    const warn = (e: BeforeUnloadEvent) => e.preventDefault();
    window.addEventListener("beforeunload", warn);
    return () => window.removeEventListener("beforeunload", warn);
  }, [dirty]);

  const { byStep, general } = problems;
  const refresh = () => void qc.invalidateQueries({ queryKey: ["workflows"] });
  const onProblem = (e: unknown, title: string) => {
    if (e instanceof ApiError && e.problem.errors?.length) {
      const mapped = errorsByStep(e.problem.errors as PathError[], draft.steps);
      setProblems(mapped);
      const first = mapped.byStep.keys().next().value;
      if (first) setSelection(first === "trigger" ? { kind: "trigger" } : { kind: "step", id: first });
    }
    notifyError(e, title);
  };

  const save = useMutation({
    mutationFn: async () => {
      if (draft.name.trim() !== wf.name) await renameWorkflow(wf.id, draft.name.trim());
      return saveDraft(wf.id, draft);
    },
    onSuccess: () => {
      setDirty(false);
      setProblems(noProblems);
      notifySuccess("Draft saved. It runs once you publish it.");
      refresh();
    },
    onError: (e) => onProblem(e, "Could not save the draft"),
  });
  const publish = useMutation({
    mutationFn: async () => {
      if (dirty) {
        if (draft.name.trim() !== wf.name) await renameWorkflow(wf.id, draft.name.trim());
        await saveDraft(wf.id, draft);
      }
      return publishWorkflow(wf.id);
    },
    onSuccess: () => {
      setDirty(false);
      setProblems(noProblems);
      notifySuccess(`“${draft.name}” is live: it runs on the next matching event.`);
      refresh();
    },
    onError: (e) => onProblem(e, "Could not publish the workflow"),
  });
  const pause = useMutation({
    mutationFn: (paused: boolean) => setWorkflowPaused(wf.id, paused),
    onSuccess: (_r, paused) => {
      notifySuccess(paused ? "Paused. Waiting runs keep their place and continue when you resume." : "Resumed.");
      refresh();
    },
    onError: (e) => notifyError(e, "Could not change the workflow"),
  });

  const addStep = (slot: Slot, index: number, type: string) => {
    const step: TreeStep = { id: newStepId(), type, name: "", config: defaultConfig(type) };
    if (type === "if_else") step.branches = { yes: [], no: [] };
    edit((d) => ({ ...d, steps: insertStep(d.steps, slot, index, step) }));
    setSelection({ kind: "step", id: step.id });
    setTimeout(() => document.querySelector<HTMLElement>(`[data-step-focus="${step.id}"]`)?.focus(), 50);
  };
  const deleteStep = useCallback(
    (id: string) => {
      edit((d) => ({ ...d, steps: removeStep(d.steps, id) }));
      setSelection((s) => (s?.kind === "step" && s.id === id ? null : s));
    },
    [edit],
  );
  const actions = useMemo(
    () => ({
      selected: selection?.kind === "step" ? selection.id : selection?.kind === "trigger" ? "trigger" : null,
      readOnly,
      errors: byStep,
      trigger: {
        title: `When · ${triggerObjectLabel((draft.trigger as { object?: string | null }).object)}`,
        summary: triggerInWords(draft.trigger as Parameters<typeof triggerInWords>[0]),
        error: byStep.get("trigger")?.join("; "),
      },
      summarize: stepSummary,
      onSelect: (id: string) => setSelection(id === "trigger" ? { kind: "trigger" } : { kind: "step", id }),
      onAdd: (slot: Slot, index: number) => setSelection({ kind: "add", slot, index }),
      onDelete: deleteStep,
      onMove: (id: string, delta: -1 | 1) => edit((d) => ({ ...d, steps: moveStep(d.steps, id, delta) })),
    }),
    [selection, readOnly, byStep, draft.trigger, deleteStep, edit],
  );

  const live = wf.status === "active";
  return (
    <Stack gap="sm">
      <Group justify="space-between" align="flex-end" wrap="wrap" gap="sm">
        <Group gap="sm" align="center" wrap="nowrap" style={{ minWidth: 0, flex: 1 }}>
          {readOnly ? (
            <Title order={2} fz={{ base: 20, sm: 24 }}>
              {draft.name}
            </Title>
          ) : (
            <TextInput
              aria-label="Workflow name"
              value={draft.name}
              onChange={(e) => {
                const name = e.currentTarget.value;
                edit((d) => ({ ...d, name }));
              }}
              size="md"
              fw={600}
              style={{ flex: 1, maxWidth: 420 }}
              data-testid="workflow-name"
            />
          )}
          <Badge color={workflowStatusColors[wf.status]} variant="light" data-testid="workflow-status">
            {workflowStatusLabels[wf.status]}
          </Badge>
          {dirty && (
            <Text fz="xs" c="dimmed" data-testid="unsaved">
              Unsaved changes
            </Text>
          )}
        </Group>
        <Group gap="xs">
          <Button variant="default" leftSection={<IconFlask size={16} />} onClick={() => setTesting(true)} data-testid="test-on-record">
            Test on a record
          </Button>
          {!readOnly && (
            <>
              <Button
                variant="default"
                leftSection={<IconDeviceFloppy size={16} />}
                onClick={() => save.mutate()}
                loading={save.isPending}
                disabled={!dirty}
                data-testid="save-draft"
              >
                Save draft
              </Button>
              {wf.status === "paused" ? (
                <Button
                  variant="light"
                  color="teal"
                  leftSection={<IconPlayerPlay size={16} />}
                  onClick={() => pause.mutate(false)}
                  loading={pause.isPending}
                  data-testid="resume"
                >
                  Resume
                </Button>
              ) : live ? (
                <Button
                  variant="light"
                  color="yellow"
                  leftSection={<IconPlayerPause size={16} />}
                  onClick={() => pause.mutate(true)}
                  loading={pause.isPending}
                  data-testid="pause"
                >
                  Pause
                </Button>
              ) : null}
              <Button
                leftSection={<IconRocket size={16} />}
                onClick={() => publish.mutate()}
                loading={publish.isPending}
                disabled={live && !dirty && !wf.hasDraft}
                data-testid="publish"
              >
                {live || wf.status === "paused" ? "Publish changes" : "Publish"}
              </Button>
            </>
          )}
        </Group>
      </Group>

      {wf.status !== "draft" && (wf.hasDraft || dirty) && (
        <Alert color="blue" variant="light" icon={<IconHistory size={18} />} py={8} data-testid="draft-banner">
          You are editing a draft of a {wf.status === "paused" ? "paused" : "live"} workflow. Version {wf.publishedVersion ?? "—"}
          {wf.published?.publishedAt ? ` (published ${formatDateTime(wf.published.publishedAt)})` : ""} keeps running until you publish; runs already started
          stay on their version.
        </Alert>
      )}
      {general.length > 0 && (
        <Alert color="red" variant="light" icon={<IconAlertTriangle size={18} />} title="Fix these before publishing" data-testid="general-errors">
          {general.map((g) => (
            <Text key={g} fz="sm">
              {g}
            </Text>
          ))}
        </Alert>
      )}
      {byStep.size > 0 && general.length === 0 && (
        <Text fz="sm" c="red" data-testid="step-errors-note" role="status">
          {byStep.size === 1 ? "One step needs attention" : `${byStep.size} steps need attention`}: they are marked in red.
        </Text>
      )}

      <div className={classes.builder}>
        {isPhone ? <WorkflowList steps={draft.steps} actions={actions} /> : <WorkflowCanvas steps={draft.steps} actions={actions} />}
        <aside className={classes.panel} aria-label="Step settings" data-testid="side-panel">
          <SidePanel
            draft={draft}
            selection={selection}
            readOnly={readOnly}
            errors={byStep}
            onClose={() => setSelection(null)}
            onTrigger={(trigger) => edit((d) => ({ ...d, trigger }))}
            onStep={(id, patch) => edit((d) => ({ ...d, steps: updateStep(d.steps, id, patch) }))}
            onAdd={addStep}
            onDelete={deleteStep}
            onMove={actions.onMove}
          />
        </aside>
      </div>
      <TestOnRecord
        opened={testing}
        onClose={() => setTesting(false)}
        workflow={wf}
        draft={dirty ? draft : null}
        object={String((draft.trigger as { object?: string | null }).object ?? "contact")}
      />
    </Stack>
  );
}

function SidePanel({
  draft,
  selection,
  readOnly,
  errors,
  onClose,
  onTrigger,
  onStep,
  onAdd,
  onDelete,
  onMove,
}: {
  draft: Draft;
  selection: Selection;
  readOnly: boolean;
  errors: Map<string, string[]>;
  onClose: () => void;
  onTrigger: (t: Draft["trigger"]) => void;
  onStep: (id: string, patch: (s: TreeStep) => TreeStep) => void;
  onAdd: (slot: Slot, index: number, type: string) => void;
  onDelete: (id: string) => void;
  onMove: (id: string, delta: -1 | 1) => void;
}) {
  // Escape closes the panel and puts the keyboard back on the step (or trigger) it was about.
  const onEscape = (e: KeyboardEvent) => {
    if (e.key !== "Escape" || e.defaultPrevented) return;
    const back = selection?.kind === "step" ? selection.id : selection?.kind === "trigger" ? "trigger" : null;
    onClose();
    if (back) setTimeout(() => focusStep(back), 0);
  };
  const close = (
    <Tooltip label="Close (Esc)">
      <ActionIcon variant="subtle" color="gray" onClick={onClose} aria-label="Close the panel">
        <IconX size={16} />
      </ActionIcon>
    </Tooltip>
  );
  if (!selection) {
    return (
      <Stack gap="xs" data-testid="panel-help">
        <Text fw={600}>Build the workflow</Text>
        <Text fz="sm" c="dimmed">
          Choose the trigger or a step on the canvas to set it up here. Use “Add a step” at the end of a path, or the + between two steps.
        </Text>
        <Text fz="sm" fw={600} mt="sm">
          Keyboard
        </Text>
        <Text fz="sm" c="dimmed" component="div">
          <Kbd>Tab</Kbd> or <Kbd>↑</Kbd> <Kbd>↓</Kbd> move between steps · <Kbd>Enter</Kbd> opens a step · <Kbd>A</Kbd> adds a step after it · <Kbd>Delete</Kbd>{" "}
          removes it · <Kbd>Alt</Kbd>+<Kbd>↑</Kbd>/<Kbd>↓</Kbd> moves it
        </Text>
      </Stack>
    );
  }
  if (selection.kind === "add") {
    const groups = Object.keys(groupLabels) as StepGroup[];
    return (
      <Stack gap="xs" data-testid="panel-add" onKeyDown={onEscape}>
        <Group justify="space-between">
          <Text fw={600}>Add a step</Text>
          {close}
        </Group>
        {groups.map((g) => (
          <Stack key={g} gap={4}>
            <Text fz="xs" fw={700} c="dimmed" tt="uppercase" mt={6}>
              {groupLabels[g]}
            </Text>
            {stepKinds()
              .filter((k) => k.group === g)
              .map((k, i) => (
                <UnstyledButton
                  key={k.type}
                  className={classes.addNode}
                  style={{ justifyContent: "flex-start", height: "auto", padding: "6px 10px", borderStyle: "solid" }}
                  onClick={() => onAdd(selection.slot, selection.index, k.type)}
                  data-testid={`add-${k.type}`}
                  data-autofocus={g === "records" && i === 0 ? true : undefined}
                  ref={(el) => {
                    if (el && g === "records" && i === 0 && !el.dataset.focused) {
                      el.dataset.focused = "1";
                      el.focus();
                    }
                  }}
                >
                  {k.icon(16)}
                  <span>
                    <Text fz="sm" fw={500} c="var(--mantine-color-text)">
                      {k.label}
                    </Text>
                    <Text fz="xs" c="dimmed">
                      {k.hint}
                    </Text>
                  </span>
                </UnstyledButton>
              ))}
          </Stack>
        ))}
      </Stack>
    );
  }
  if (selection.kind === "trigger") {
    return (
      <Stack gap="sm" data-testid="panel-trigger" onKeyDown={onEscape}>
        <Group justify="space-between">
          <Text fw={600}>Trigger</Text>
          {close}
        </Group>
        <PanelErrors errors={errors.get("trigger")} />
        <TriggerForm value={draft.trigger} onChange={onTrigger} readOnly={readOnly} />
      </Stack>
    );
  }
  const step = findStep(draft.steps, selection.id);
  if (!step) return null;
  const kind = stepKind(step.type);
  const at = locate(draft.steps, step.id);
  return (
    <Stack gap="sm" data-testid="panel-step" data-step-type={step.type} onKeyDown={onEscape}>
      <Group justify="space-between" wrap="nowrap">
        <Group gap={8} wrap="nowrap">
          {kind.icon(18)}
          <Text fw={600}>{kind.label}</Text>
        </Group>
        <Group gap={2} wrap="nowrap">
          {!readOnly && (
            <>
              <Tooltip label="Move up (Alt+↑)">
                <ActionIcon variant="subtle" color="gray" onClick={() => onMove(step.id, -1)} disabled={!at || at.index === 0} aria-label="Move the step up">
                  <IconArrowUp size={16} />
                </ActionIcon>
              </Tooltip>
              <Tooltip label="Move down (Alt+↓)">
                <ActionIcon variant="subtle" color="gray" onClick={() => onMove(step.id, 1)} aria-label="Move the step down">
                  <IconArrowDown size={16} />
                </ActionIcon>
              </Tooltip>
              <Menu position="bottom-end">
                <Menu.Target>
                  <ActionIcon variant="subtle" color="gray" aria-label="More step actions">
                    <IconChevronDown size={16} />
                  </ActionIcon>
                </Menu.Target>
                <Menu.Dropdown>
                  <Menu.Item color="red" leftSection={<IconTrash size={14} />} onClick={() => onDelete(step.id)} data-testid="delete-step">
                    Delete step
                  </Menu.Item>
                </Menu.Dropdown>
              </Menu>
            </>
          )}
          {close}
        </Group>
      </Group>
      <PanelErrors errors={errors.get(step.id)} />
      <StepForm
        step={step}
        ctx={{
          object: String((draft.trigger as { object?: string | null }).object ?? "contact"),
          steps: draft.steps,
          triggerType: String((draft.trigger as { type?: string }).type ?? ""),
        }}
        onName={(name) => onStep(step.id, (s) => ({ ...s, name }))}
        onChange={(config) => onStep(step.id, (s) => ({ ...s, config }))}
        onBranches={(b) => onStep(step.id, (s) => ({ ...s, branches: b }))}
        readOnly={readOnly}
      />
    </Stack>
  );
}

function PanelErrors({ errors }: { errors: string[] | undefined }) {
  if (!errors?.length) return null;
  return (
    <Alert color="red" variant="light" icon={<IconAlertTriangle size={16} />} py={8} data-testid="panel-errors">
      {errors.map((e) => (
        <Text key={e} fz="sm">
          {e}
        </Text>
      ))}
    </Alert>
  );
}
