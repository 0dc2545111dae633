import { ActionIcon, Badge, Button, Card, Group, Modal, NumberInput, Progress, SegmentedControl, Select, Stack, Switch, Text, TextInput } from "@mantine/core";
import { IconChartBar, IconEdit, IconPlus, IconTrash } from "@tabler/icons-react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useState } from "react";
import type { Condition } from "../../contract/conditions.js";
import { type RescoreStatus, type ScoringRule, ScoringRuleInput } from "../../contract/index.js";
import { ConditionField } from "../components/ConditionField.js";
import { ConfirmModal } from "../components/ConfirmModal.js";
import { EmptyHint } from "../components/EmptyHint.js";
import { api } from "../http/client.js";
import { useFormErrors } from "../lib/form.js";
import { notifyError } from "../lib/notify.js";
import { SettingsPage } from "../settings/SettingsPage.js";

const eventOptions = [
  { value: "note", label: "Note logged" },
  { value: "call", label: "Call logged" },
  { value: "email", label: "Email logged" },
  { value: "meeting", label: "Meeting logged" },
  { value: "form_submitted", label: "Form submitted" },
];

export function ScoringSettings() {
  const qc = useQueryClient();
  const rules = useQuery({ queryKey: ["scoring-rules"], queryFn: () => api.get<{ data: ScoringRule[] }>("/api/v1/scoring-rules").then((r) => r.data) });
  const status = useQuery({
    queryKey: ["scoring-rules", "rescore"],
    queryFn: () => api.get<RescoreStatus>("/api/v1/scoring-rules/rescore"),
    refetchInterval: (q) => (q.state.data?.state === "running" ? 1000 : false),
  });
  const [editing, setEditing] = useState<ScoringRule | "new" | null>(null);
  const [deleting, setDeleting] = useState<ScoringRule | null>(null);
  const refresh = () => void qc.invalidateQueries({ queryKey: ["scoring-rules"] });
  const toggle = useMutation({
    mutationFn: (r: ScoringRule) => api.put(`/api/v1/scoring-rules/${r.id}`, inputOf({ ...r, enabled: !r.enabled })),
    onSuccess: refresh,
    onError: (e) => notifyError(e),
  });
  const remove = useMutation({
    mutationFn: (r: ScoringRule) => api.del(`/api/v1/scoring-rules/${r.id}`),
    onSuccess: () => {
      refresh();
      setDeleting(null);
    },
    onError: (e) => notifyError(e),
  });
  const s = status.data;
  return (
    <SettingsPage
      title="Lead scoring"
      description="Points for who a lead is (field rules) and what they do (engagement rules, optionally decaying). Scores run from 0 to 100 and every change rescores the workspace in the background."
      actions={
        <Button leftSection={<IconPlus size={16} />} onClick={() => setEditing("new")} data-testid="new-scoring-rule">
          New rule
        </Button>
      }
    >
      <Stack gap="sm">
        {s?.state === "running" && (
          <Card withBorder padding="sm" data-testid="rescore-progress">
            <Text fz="sm" mb={4}>
              Rescoring {s.done} of {s.total} contacts…
            </Text>
            <Progress value={s.total ? (100 * s.done) / s.total : 0} animated />
          </Card>
        )}
        {s?.state === "failed" && <Text c="red">The last rescore failed: {s.error}</Text>}
        {rules.isPending ? (
          <Text c="dimmed">Loading…</Text>
        ) : rules.isError ? (
          <Text c="red">{rules.error.message}</Text>
        ) : (rules.data ?? []).length === 0 ? (
          <EmptyHint
            icon={<IconChartBar size={28} />}
            title="No scoring rules"
            description="For example: job title contains VP → +20; company size > 200 → +15; each meeting in the last 30 days → +10, halving every 14 days."
            actionLabel="Add the first rule"
            onAction={() => setEditing("new")}
          />
        ) : (
          (rules.data ?? []).map((r) => (
            <Card key={r.id} withBorder padding="sm" radius="md" data-testid="scoring-rule">
              <Group justify="space-between" wrap="nowrap">
                <div style={{ minWidth: 0 }}>
                  <Group gap={6}>
                    <Badge color={r.points >= 0 ? "teal" : "red"} variant="light">
                      {r.points > 0 ? "+" : ""}
                      {r.points}
                      {r.kind === "event" ? " each" : ""}
                    </Badge>
                    <Text fw={600}>{r.name}</Text>
                  </Group>
                  <Text fz="sm" c="dimmed">
                    {r.kind === "event" ? `${eventOptions.find((e) => e.value === r.event)?.label}: ` : "When "}
                    {r.description}
                  </Text>
                </div>
                <Group gap={2} wrap="nowrap">
                  <Switch checked={r.enabled} onChange={() => toggle.mutate(r)} aria-label="Enabled" mr="xs" />
                  <ActionIcon variant="subtle" onClick={() => setEditing(r)} aria-label="Edit">
                    <IconEdit size={16} />
                  </ActionIcon>
                  <ActionIcon variant="subtle" color="red" onClick={() => setDeleting(r)} aria-label="Delete">
                    <IconTrash size={16} />
                  </ActionIcon>
                </Group>
              </Group>
            </Card>
          ))
        )}
      </Stack>
      {editing && <ScoringModal rule={editing === "new" ? null : editing} onClose={() => setEditing(null)} />}
      <ConfirmModal
        opened={Boolean(deleting)}
        onClose={() => setDeleting(null)}
        onConfirm={() => deleting && remove.mutate(deleting)}
        title="Delete rule?"
        confirmLabel="Delete"
        danger
        loading={remove.isPending}
      >
        Scores are recomputed without it.
      </ConfirmModal>
    </SettingsPage>
  );
}

function inputOf(r: ScoringRule) {
  return r.kind === "field"
    ? { kind: "field", name: r.name, enabled: r.enabled, conditions: r.conditions, points: r.points }
    : { kind: "event", name: r.name, enabled: r.enabled, event: r.event, points: r.points, withinDays: r.withinDays, maxPoints: r.maxPoints, decay: r.decay };
}

function ScoringModal({ rule, onClose }: { rule: ScoringRule | null; onClose: () => void }) {
  const qc = useQueryClient();
  const errors = useFormErrors();
  const [kind, setKind] = useState<"field" | "event">(rule?.kind ?? "field");
  const [name, setName] = useState(rule?.name ?? "");
  const [points, setPoints] = useState<number | string>(rule?.points ?? 10);
  const [conditions, setConditions] = useState<Condition>(
    rule?.kind === "field" ? rule.conditions : { all: [{ field: "jobTitle", op: "contains", value: "" }] },
  );
  const [event, setEvent] = useState<string>(rule?.event ?? "meeting");
  const [withinDays, setWithinDays] = useState<number | string>(rule?.withinDays ?? "");
  const [maxPoints, setMaxPoints] = useState<number | string>(rule?.maxPoints ?? "");
  const [decay, setDecay] = useState<string>(rule?.decay.kind ?? "none");
  const [decayDays, setDecayDays] = useState<number | string>(
    rule?.decay.kind === "halve" ? rule.decay.everyDays : rule?.decay.kind === "expire" ? rule.decay.afterDays : 30,
  );
  const save = useMutation({
    mutationFn: (body: unknown) => (rule ? api.put(`/api/v1/scoring-rules/${rule.id}`, body) : api.post("/api/v1/scoring-rules", body)),
    onSuccess: () => {
      void qc.invalidateQueries({ queryKey: ["scoring-rules"] });
      onClose();
    },
    onError: (e) => errors.fromServer(e, "Could not save the rule"),
  });
  const num = (v: number | string) => (v === "" ? null : Number(v));
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const body = errors.validate(
      ScoringRuleInput.safeParse(
        kind === "field"
          ? { kind, name, conditions, points: Number(points) }
          : {
              kind,
              name,
              event,
              points: Number(points),
              withinDays: num(withinDays),
              maxPoints: num(maxPoints),
              decay:
                decay === "halve"
                  ? { kind: "halve", everyDays: Number(decayDays) }
                  : decay === "expire"
                    ? { kind: "expire", afterDays: Number(decayDays) }
                    : { kind: "none" },
            },
      ),
    );
    if (body) save.mutate(body);
  };
  return (
    <Modal opened onClose={onClose} title={rule ? "Edit scoring rule" : "New scoring rule"} size="xl">
      <form onSubmit={submit} data-testid="scoring-rule-form">
        <Stack gap="sm">
          {!rule && (
            <SegmentedControl
              value={kind}
              onChange={(v) => setKind(v as "field" | "event")}
              data={[
                { value: "field", label: "Who they are (fields)" },
                { value: "event", label: "What they do (engagement)" },
              ]}
              w="fit-content"
            />
          )}
          <Group grow wrap="wrap">
            <TextInput
              label="Name"
              value={name}
              onChange={(e) => setName(e.currentTarget.value)}
              error={errors.get("name")}
              required
              miw={200}
              data-testid="scoring-name"
            />
            <NumberInput
              label={kind === "event" ? "Points per event" : "Points"}
              description="Negative points lower the score"
              value={points}
              onChange={setPoints}
              min={-100}
              max={100}
              error={errors.get("points")}
              miw={140}
              data-testid="scoring-points"
            />
          </Group>
          {kind === "field" ? (
            <ConditionField object="contact" value={conditions} onChange={setConditions} errors={errors.errors} path="conditions" />
          ) : (
            <>
              <Group grow wrap="wrap">
                <Select
                  label="Event"
                  data={eventOptions}
                  value={event}
                  onChange={(v) => v && setEvent(v)}
                  allowDeselect={false}
                  miw={180}
                  data-testid="scoring-event"
                />
                <NumberInput
                  label="Count events of the last … days"
                  placeholder="All time"
                  value={withinDays}
                  onChange={setWithinDays}
                  min={1}
                  max={3650}
                  error={errors.get("withinDays")}
                  miw={160}
                />
                <NumberInput
                  label="At most … points"
                  placeholder="No cap"
                  value={maxPoints}
                  onChange={setMaxPoints}
                  min={1}
                  max={100}
                  error={errors.get("maxPoints")}
                  miw={140}
                />
              </Group>
              <Group grow wrap="wrap" align="flex-end">
                <Select
                  label="Decay"
                  data={[
                    { value: "none", label: "None" },
                    { value: "halve", label: "Points halve every … days" },
                    { value: "expire", label: "Points expire after … days" },
                  ]}
                  value={decay}
                  onChange={(v) => v && setDecay(v)}
                  allowDeselect={false}
                  miw={200}
                />
                {decay !== "none" && (
                  <NumberInput
                    label="Days"
                    value={decayDays}
                    onChange={setDecayDays}
                    min={1}
                    max={3650}
                    error={errors.get("decay.everyDays") ?? errors.get("decay.afterDays")}
                    miw={100}
                  />
                )}
              </Group>
            </>
          )}
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>
              Cancel
            </Button>
            <Button type="submit" loading={save.isPending} data-testid="scoring-save">
              Save rule
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}
