import { ActionIcon, Badge, Button, Card, Group, Modal, SegmentedControl, Select, Stack, Switch, Text, TextInput } from "@mantine/core";
import { IconArrowDown, IconArrowUp, IconEdit, IconPlus, IconRoute, IconTrash } from "@tabler/icons-react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useState } from "react";
import { type Condition, leavesOf } from "../../contract/conditions.js";
import { type AssignmentRule, AssignmentRuleInput } from "../../contract/index.js";
import { ConditionField } from "../components/ConditionField.js";
import { ConfirmModal } from "../components/ConfirmModal.js";
import { EmptyHint } from "../components/EmptyHint.js";
import { UserPicker } from "../components/pickers.js";
import { api } from "../http/client.js";
import { teamsQuery, useUserMap } from "../http/queries.js";
import { useFormErrors } from "../lib/form.js";
import { notifyError, notifySuccess } from "../lib/notify.js";
import { SettingsPage } from "../settings/SettingsPage.js";

const rulesQuery = { queryKey: ["assignment-rules"], queryFn: () => api.get<{ data: AssignmentRule[] }>("/api/v1/assignment-rules").then((r) => r.data) };

export function AssignmentSettings() {
  const qc = useQueryClient();
  const rules = useQuery(rulesQuery);
  const teams = useQuery(teamsQuery);
  const users = useUserMap();
  const settings = useQuery({ queryKey: ["assignment-settings"], queryFn: () => api.get<{ fallbackOwnerId: string | null }>("/api/v1/assignment-settings") });
  const [editing, setEditing] = useState<AssignmentRule | "new" | null>(null);
  const [deleting, setDeleting] = useState<AssignmentRule | null>(null);
  const refresh = () => void qc.invalidateQueries({ queryKey: ["assignment-rules"] });
  const reorder = useMutation({
    mutationFn: (ids: string[]) => api.post("/api/v1/assignment-rules/reorder", { ids }),
    onSuccess: refresh,
    onError: (e) => notifyError(e),
  });
  const toggle = useMutation({
    mutationFn: (r: AssignmentRule) => api.patch(`/api/v1/assignment-rules/${r.id}`, { enabled: !r.enabled }),
    onSuccess: refresh,
    onError: (e) => notifyError(e),
  });
  const remove = useMutation({
    mutationFn: (r: AssignmentRule) => api.del(`/api/v1/assignment-rules/${r.id}`),
    onSuccess: () => {
      refresh();
      setDeleting(null);
    },
    onError: (e) => notifyError(e),
  });
  const fallback = useMutation({
    mutationFn: (fallbackOwnerId: string | null) => api.put("/api/v1/assignment-settings", { fallbackOwnerId }),
    onSuccess: () => {
      void qc.invalidateQueries({ queryKey: ["assignment-settings"] });
      notifySuccess("Fallback owner saved");
    },
    onError: (e) => notifyError(e),
  });
  const list = rules.data ?? [];
  const move = (i: number, d: number) => {
    const ids = list.map((r) => r.id);
    const [x] = ids.splice(i, 1);
    ids.splice(i + d, 0, x as string);
    reorder.mutate(ids);
  };
  const targetText = (r: AssignmentRule) =>
    r.target.kind === "user"
      ? `→ ${users.get(r.target.userId)?.name ?? "unknown user"}`
      : `→ round-robin in ${teams.data?.find((t) => r.target.kind === "team" && t.id === r.target.teamId)?.name ?? "a team"}`;

  return (
    <SettingsPage
      title="Lead assignment"
      description="Who owns a new contact created without an owner — from the app, the API, web forms or imports. Rules run top to bottom; the first match wins."
      actions={
        <Button leftSection={<IconPlus size={16} />} onClick={() => setEditing("new")} data-testid="new-assignment-rule">
          New rule
        </Button>
      }
    >
      <Stack gap="sm">
        {rules.isPending ? (
          <Text c="dimmed">Loading…</Text>
        ) : rules.isError ? (
          <Text c="red">{rules.error.message}</Text>
        ) : list.length === 0 ? (
          <EmptyHint
            icon={<IconRoute size={28} />}
            title="No assignment rules"
            description="Route leads by territory (country, company size, source…) to a person, or share them round-robin within a team."
            actionLabel="Add the first rule"
            onAction={() => setEditing("new")}
          />
        ) : (
          list.map((r, i) => (
            <Card key={r.id} withBorder padding="sm" radius="md" data-testid="assignment-rule">
              <Group justify="space-between" wrap="nowrap" align="flex-start">
                <div style={{ minWidth: 0 }}>
                  <Group gap={6}>
                    <Badge variant="default" size="sm">
                      {i + 1}
                    </Badge>
                    <Text fw={600}>{r.name}</Text>
                    {!r.enabled && (
                      <Badge color="gray" size="sm">
                        off
                      </Badge>
                    )}
                  </Group>
                  <Text fz="sm" c="dimmed">
                    {leavesOf(r.conditions).length ? r.description.replace(/^Rule '[^']*': /, "When ") : "Every new contact"} {targetText(r)}
                  </Text>
                </div>
                <Group gap={2} wrap="nowrap">
                  <Switch checked={r.enabled} onChange={() => toggle.mutate(r)} aria-label="Enabled" mr="xs" />
                  <ActionIcon variant="subtle" disabled={i === 0} onClick={() => move(i, -1)} aria-label="Move up">
                    <IconArrowUp size={16} />
                  </ActionIcon>
                  <ActionIcon variant="subtle" disabled={i === list.length - 1} onClick={() => move(i, 1)} aria-label="Move down">
                    <IconArrowDown size={16} />
                  </ActionIcon>
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
        <Card withBorder padding="sm" radius="md">
          <Text fw={600}>Fallback owner</Text>
          <Text fz="sm" c="dimmed" mb="xs">
            Gets leads no rule matches. Without one, the person (or API key owner) creating the contact owns it.
          </Text>
          <UserPicker
            value={settings.data?.fallbackOwnerId ?? null}
            onChange={(v) => fallback.mutate(v)}
            placeholder="Nobody — the creator owns it"
            maw={320}
            data-testid="fallback-owner"
          />
        </Card>
      </Stack>
      {editing && <RuleModal rule={editing === "new" ? null : editing} onClose={() => setEditing(null)} />}
      <ConfirmModal
        opened={Boolean(deleting)}
        onClose={() => setDeleting(null)}
        onConfirm={() => deleting && remove.mutate(deleting)}
        title="Delete rule?"
        confirmLabel="Delete"
        danger
        loading={remove.isPending}
      >
        Contacts already assigned keep their owner.
      </ConfirmModal>
    </SettingsPage>
  );
}

function RuleModal({ rule, onClose }: { rule: AssignmentRule | null; onClose: () => void }) {
  const qc = useQueryClient();
  const errors = useFormErrors();
  const teams = useQuery(teamsQuery);
  const [name, setName] = useState(rule?.name ?? "");
  const [conditions, setConditions] = useState<Condition>(rule?.conditions ?? { all: [] });
  const [kind, setKind] = useState<"user" | "team">(rule?.target.kind ?? "user");
  const [userId, setUserId] = useState<string | null>(rule?.target.kind === "user" ? rule.target.userId : null);
  const [teamId, setTeamId] = useState<string | null>(rule?.target.kind === "team" ? rule.target.teamId : null);
  const save = useMutation({
    mutationFn: (body: unknown) => (rule ? api.patch(`/api/v1/assignment-rules/${rule.id}`, body) : api.post("/api/v1/assignment-rules", body)),
    onSuccess: () => {
      void qc.invalidateQueries({ queryKey: ["assignment-rules"] });
      onClose();
    },
    onError: (e) => errors.fromServer(e, "Could not save the rule"),
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const body = errors.validate(
      AssignmentRuleInput.safeParse({ name, conditions, target: kind === "user" ? { kind, userId: userId ?? "" } : { kind, teamId: teamId ?? "" } }),
    );
    if (body) save.mutate(body);
  };
  return (
    <Modal opened onClose={onClose} title={rule ? "Edit assignment rule" : "New assignment rule"} size="xl">
      <form onSubmit={submit} data-testid="assignment-rule-form">
        <Stack gap="sm">
          <TextInput label="Name" value={name} onChange={(e) => setName(e.currentTarget.value)} error={errors.get("name")} required data-testid="rule-name" />
          <Text fw={600} fz="sm">
            For new contacts where
          </Text>
          <ConditionField object="contact" value={conditions} onChange={setConditions} errors={errors.errors} path="conditions" />
          <Text fw={600} fz="sm">
            Assign to
          </Text>
          <SegmentedControl
            value={kind}
            onChange={(v) => setKind(v as "user" | "team")}
            data={[
              { value: "user", label: "A person" },
              { value: "team", label: "Round-robin in a team" },
            ]}
            w="fit-content"
          />
          {kind === "user" ? (
            <UserPicker label="Owner" value={userId} onChange={setUserId} error={errors.get("target.userId") ?? errors.get("target")} data-testid="rule-user" />
          ) : (
            <Select
              label="Team"
              data={(teams.data ?? []).map((t) => ({ value: t.id, label: `${t.name} (${t.memberIds.length})` }))}
              value={teamId}
              onChange={setTeamId}
              error={errors.get("target.teamId") ?? errors.get("target")}
              nothingFoundMessage="No teams yet: create one under Users & teams"
              data-testid="rule-team"
            />
          )}
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>
              Cancel
            </Button>
            <Button type="submit" loading={save.isPending} data-testid="rule-save">
              Save rule
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}
