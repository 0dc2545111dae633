import {
  ActionIcon,
  Alert,
  Badge,
  Button,
  Card,
  Grid,
  Group,
  Modal,
  NativeSelect,
  Select,
  Stack,
  Switch,
  Table,
  Text,
  TextInput,
  Title,
  Tooltip,
  UnstyledButton,
} from "@mantine/core";
import { IconLock, IconPlus, IconTrash } from "@tabler/icons-react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useMemo, useState } from "react";
import {
  type AccessObject,
  accessObjectLabels,
  accessObjects,
  CreateRoleBody,
  type FieldAccess,
  type FieldRules,
  type Permissions,
  type RoleDefinition,
  type Scope,
  scopeLabels,
  scopes,
} from "../../contract/index.js";
import { ConfirmModal } from "../components/ConfirmModal.js";
import { api, isApiError } from "../http/client.js";
import { customFieldsQuery, rolesQuery } from "../http/queries.js";
import { useFormErrors } from "../lib/form.js";
import { notifyError, notifySuccess } from "../lib/notify.js";
import { SettingsPage } from "./SettingsPage.js";

const scopeOptions = scopes.map((s) => ({ value: s, label: scopeLabels[s] }));
const createOptions = [
  { value: "yes", label: "Yes" },
  { value: "no", label: "No" },
];
const fieldAccessLabels: Record<FieldAccess, string> = { hidden: "Hidden", read_only: "Read-only" };
/** Field rules apply to the objects with custom fields. */
const fieldObjects = ["contact", "company", "deal"] as const satisfies readonly AccessObject[];
const ADMIN_LOCK = "The Admin role always has every right, so someone can always undo a mistake here. Make a custom role for narrower rights.";

const holders = (n: number) => (n === 0 ? "Nobody" : n === 1 ? "1 user or key" : `${n} users or keys`);

/** Settings → Roles: who may read, add, change and delete which records, and which custom fields each role sees. */
export function RolesSettings() {
  const roles = useQuery(rolesQuery);
  const [selected, setSelected] = useState<string | null>(null);
  const [adding, setAdding] = useState(false);
  const current = roles.data?.find((r) => r.id === selected) ?? roles.data?.[0];

  return (
    <SettingsPage
      title="Roles"
      description="What each role may do with each kind of record: none, their own, their teams', or all. Give people a role under Users & teams."
      actions={
        <Button leftSection={<IconPlus size={16} />} onClick={() => setAdding(true)} data-testid="add-role">
          Add role
        </Button>
      }
    >
      {roles.isPending ? (
        <Text c="dimmed" fz="sm">
          Loading roles…
        </Text>
      ) : roles.isError ? (
        <Alert color="red" title="Could not load the roles">
          {roles.error.message}{" "}
          <Button size="compact-xs" variant="subtle" onClick={() => roles.refetch()}>
            Retry
          </Button>
        </Alert>
      ) : (
        <Grid gap="md">
          <Grid.Col span={{ base: 12, md: 3 }}>
            <Card withBorder radius="md" padding="xs" data-testid="role-list">
              <Stack gap={2}>
                {roles.data.map((r) => (
                  <UnstyledButton
                    key={r.id}
                    onClick={() => setSelected(r.id)}
                    p="xs"
                    style={{ borderRadius: 6, background: r.id === current?.id ? "var(--mantine-color-indigo-light)" : undefined }}
                    aria-current={r.id === current?.id}
                    data-testid={`role-item-${r.key}`}
                  >
                    <Group justify="space-between" gap={4} wrap="nowrap">
                      <Text fz="sm" fw={600} truncate>
                        {r.name}
                      </Text>
                      {!r.builtIn && (
                        <Badge size="xs" variant="light" tt="none">
                          Custom
                        </Badge>
                      )}
                    </Group>
                    <Text fz="xs" c="dimmed">
                      {holders(r.userCount)}
                    </Text>
                  </UnstyledButton>
                ))}
              </Stack>
            </Card>
          </Grid.Col>
          <Grid.Col span={{ base: 12, md: 9 }}>
            {current && <RoleEditor key={current.id + current.updatedAt} role={current} onDeleted={() => setSelected(null)} />}
          </Grid.Col>
        </Grid>
      )}
      <AddRoleModal opened={adding} onClose={() => setAdding(false)} roles={roles.data ?? []} onCreated={(r) => setSelected(r.id)} />
    </SettingsPage>
  );
}

function RoleEditor({ role, onDeleted }: { role: RoleDefinition; onDeleted: () => void }) {
  const qc = useQueryClient();
  const locked = role.key === "admin";
  const [name, setName] = useState(role.name);
  const [manageSettings, setManageSettings] = useState(role.manageSettings);
  const [permissions, setPermissions] = useState<Permissions>(role.permissions);
  const [fieldRules, setFieldRules] = useState<FieldRules>(role.fieldRules);
  const [confirmDelete, setConfirmDelete] = useState(false);
  const [refusal, setRefusal] = useState<string | null>(null);
  const dirty =
    name !== role.name ||
    manageSettings !== role.manageSettings ||
    JSON.stringify(permissions) !== JSON.stringify(role.permissions) ||
    JSON.stringify(fieldRules) !== JSON.stringify(role.fieldRules);

  const refresh = () => {
    void qc.invalidateQueries({ queryKey: ["roles"] });
    // The admin's own rights may have changed with the role they hold.
    void qc.invalidateQueries({ queryKey: ["me", "access"] });
  };
  const save = useMutation({
    mutationFn: () => api.patch<RoleDefinition>(`/api/v1/roles/${role.id}`, locked ? { name, fieldRules } : { name, manageSettings, permissions, fieldRules }),
    onSuccess: (r) => {
      setRefusal(null);
      refresh();
      notifySuccess(`${r.name} saved. People with this role see the change on their next page load.`);
    },
    onError: (e) => {
      setRefusal(isApiError(e) ? e.message : String(e));
      notifyError(e, "Could not save the role");
    },
  });
  const remove = useMutation({
    mutationFn: () => api.del(`/api/v1/roles/${role.id}`),
    onSuccess: () => {
      setConfirmDelete(false);
      refresh();
      onDeleted();
      notifySuccess(`${role.name} deleted`);
    },
    onError: (e) => {
      setConfirmDelete(false);
      setRefusal(isApiError(e) ? e.message : String(e));
    },
  });

  const setRight = (object: AccessObject, action: "read" | "edit" | "delete", scope: Scope) =>
    setPermissions((p) => ({ ...p, [object]: { ...p[object], [action]: scope } }));
  const setCreate = (object: AccessObject, create: boolean) => setPermissions((p) => ({ ...p, [object]: { ...p[object], create } }));

  return (
    <Stack gap="md" data-testid="role-editor">
      <Card withBorder radius="md">
        <Group justify="space-between" align="flex-end" gap="sm">
          <TextInput label="Name" value={name} onChange={(e) => setName(e.currentTarget.value)} w={260} data-testid="role-name" />
          <Group gap="xs">
            {!role.builtIn && (
              <Button variant="subtle" color="red" leftSection={<IconTrash size={16} />} onClick={() => setConfirmDelete(true)} data-testid="role-delete">
                Delete role
              </Button>
            )}
            <Button onClick={() => save.mutate()} disabled={!dirty || !name.trim()} loading={save.isPending} data-testid="role-save">
              Save changes
            </Button>
          </Group>
        </Group>
        <Text fz="xs" c="dimmed" mt="xs">
          {role.builtIn ? "Built-in role: it can be changed but not deleted." : "Custom role."} {holders(role.userCount)}{" "}
          {role.userCount === 1 ? "has" : "have"} it.
        </Text>
        {refusal && (
          <Alert color="red" mt="sm" title="Not saved" withCloseButton onClose={() => setRefusal(null)} data-testid="role-refusal">
            {refusal}
          </Alert>
        )}
      </Card>

      <Card withBorder radius="md">
        <Title order={4} fz="md" mb={4}>
          Permissions
        </Title>
        {locked ? (
          <Alert icon={<IconLock size={16} />} color="gray" variant="light" mb="sm" data-testid="admin-locked">
            {ADMIN_LOCK}
          </Alert>
        ) : (
          <Text fz="sm" c="dimmed" mb="sm">
            Own: records they own (a task's assignee, an activity's author). Team's: records owned by anyone sharing a team with them. A record shared with
            someone reaches them whatever this says.
          </Text>
        )}
        <Switch
          label="Can change settings (users, teams, roles, custom fields, API keys, pipelines)"
          checked={manageSettings}
          onChange={(e) => setManageSettings(e.currentTarget.checked)}
          disabled={locked}
          mb="md"
          data-testid="role-manage-settings"
        />
        <Table.ScrollContainer minWidth={560}>
          <Table verticalSpacing={6} data-testid="permission-matrix">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Records</Table.Th>
                <Table.Th>Read</Table.Th>
                <Table.Th>Create</Table.Th>
                <Table.Th>Edit</Table.Th>
                <Table.Th>Delete</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {accessObjects.map((o) => (
                <Table.Tr key={o}>
                  <Table.Td>
                    <Text fz="sm" fw={500}>
                      {accessObjectLabels[o]}
                    </Text>
                  </Table.Td>
                  {(["read", "create", "edit", "delete"] as const).map((action) => (
                    <Table.Td key={action}>
                      {action === "create" ? (
                        <NativeSelect
                          size="xs"
                          data={createOptions}
                          value={permissions[o].create ? "yes" : "no"}
                          onChange={(e) => setCreate(o, e.currentTarget.value === "yes")}
                          disabled={locked}
                          aria-label={`${accessObjectLabels[o]}: create`}
                          data-testid={`matrix-${o}-create`}
                        />
                      ) : (
                        <NativeSelect
                          size="xs"
                          data={scopeOptions}
                          value={permissions[o][action]}
                          onChange={(e) => setRight(o, action, e.currentTarget.value as Scope)}
                          disabled={locked}
                          aria-label={`${accessObjectLabels[o]}: ${action}`}
                          data-testid={`matrix-${o}-${action}`}
                        />
                      )}
                    </Table.Td>
                  ))}
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      </Card>

      <FieldRulesCard rules={fieldRules} onChange={setFieldRules} />

      <ConfirmModal
        opened={confirmDelete}
        onClose={() => setConfirmDelete(false)}
        onConfirm={() => remove.mutate()}
        title={`Delete ${role.name}?`}
        confirmLabel="Delete role"
        danger
        loading={remove.isPending}
      >
        The role goes away for good. A role someone still holds cannot be deleted: give them another role first.
      </ConfirmModal>
    </Stack>
  );
}

/** Custom fields a role sees but may not change, or does not see at all (salary-like fields). */
function FieldRulesCard({ rules, onChange }: { rules: FieldRules; onChange: (rules: FieldRules) => void }) {
  const [object, setObject] = useState<(typeof fieldObjects)[number]>("contact");
  const [key, setKey] = useState<string | null>(null);
  const [level, setLevel] = useState<FieldAccess>("hidden");
  const fields = useQuery(customFieldsQuery(object));
  const contactFields = useQuery(customFieldsQuery("contact"));
  const companyFields = useQuery(customFieldsQuery("company"));
  const dealFields = useQuery(customFieldsQuery("deal"));
  const labelOf = useMemo(() => {
    const all = { contact: contactFields.data, company: companyFields.data, deal: dealFields.data };
    return (o: (typeof fieldObjects)[number], k: string) => all[o]?.find((f) => f.key === k)?.label ?? k;
  }, [contactFields.data, companyFields.data, dealFields.data]);

  const rows = fieldObjects.flatMap((o) => Object.entries(rules[o] ?? {}).map(([k, v]) => ({ object: o, key: k, level: v })));
  const set = (o: (typeof fieldObjects)[number], k: string, v: FieldAccess | null) => {
    const next = { ...(rules[o] ?? {}) };
    if (v) next[k] = v;
    else delete next[k];
    onChange({ ...rules, [o]: next });
  };

  return (
    <Card withBorder radius="md" data-testid="field-rules">
      <Title order={4} fz="md" mb={4}>
        Field rules
      </Title>
      <Text fz="sm" c="dimmed" mb="sm">
        Hide a custom field from this role (it disappears from record pages, lists, exports and the API) or make it read-only. Fields not listed are visible and
        editable.
      </Text>
      {rows.length === 0 ? (
        <Text fz="sm" c="dimmed" mb="sm" data-testid="field-rules-empty">
          No field rules: this role sees and edits every custom field its record rights allow.
        </Text>
      ) : (
        <Table verticalSpacing={4} mb="sm">
          <Table.Tbody>
            {rows.map((r) => (
              <Table.Tr key={`${r.object}.${r.key}`} data-testid="field-rule-row">
                <Table.Td>
                  <Text fz="sm">
                    {accessObjectLabels[r.object]} · {labelOf(r.object, r.key)}
                  </Text>
                </Table.Td>
                <Table.Td w={160}>
                  <NativeSelect
                    size="xs"
                    data={Object.entries(fieldAccessLabels).map(([value, label]) => ({ value, label }))}
                    value={r.level}
                    onChange={(e) => set(r.object, r.key, e.currentTarget.value as FieldAccess)}
                    aria-label={`${labelOf(r.object, r.key)}: access`}
                  />
                </Table.Td>
                <Table.Td w={40}>
                  <Tooltip label="Remove the rule">
                    <ActionIcon
                      variant="subtle"
                      color="gray"
                      aria-label={`Remove the rule on ${labelOf(r.object, r.key)}`}
                      onClick={() => set(r.object, r.key, null)}
                    >
                      <IconTrash size={16} />
                    </ActionIcon>
                  </Tooltip>
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
      <Group align="flex-end" gap="sm" wrap="wrap">
        <NativeSelect
          label="Records"
          data={fieldObjects.map((o) => ({ value: o, label: accessObjectLabels[o] }))}
          value={object}
          onChange={(e) => {
            setObject(e.currentTarget.value as (typeof fieldObjects)[number]);
            setKey(null);
          }}
          w={150}
          data-testid="field-rule-object"
        />
        <NativeSelect
          label="Custom field"
          data={[
            { value: "", label: fields.data?.length === 0 ? "No custom fields yet" : "Choose a field" },
            ...(fields.data ?? []).map((f) => ({ value: f.key, label: f.label })),
          ]}
          value={key ?? ""}
          onChange={(e) => setKey(e.currentTarget.value || null)}
          w={220}
          data-testid="field-rule-field"
        />
        <NativeSelect
          label="Access"
          data={Object.entries(fieldAccessLabels).map(([value, label]) => ({ value, label }))}
          value={level}
          onChange={(e) => setLevel(e.currentTarget.value as FieldAccess)}
          w={140}
          data-testid="field-rule-level"
        />
        <Button
          variant="default"
          disabled={!key}
          onClick={() => {
            if (key) set(object, key, level);
            setKey(null);
          }}
          data-testid="field-rule-add"
        >
          Add rule
        </Button>
      </Group>
      {fields.data?.length === 0 && (
        <Text fz="xs" c="dimmed" mt="xs">
          Add custom fields under Settings → Custom fields first.
        </Text>
      )}
    </Card>
  );
}

function AddRoleModal({
  opened,
  onClose,
  roles,
  onCreated,
}: {
  opened: boolean;
  onClose: () => void;
  roles: RoleDefinition[];
  onCreated: (r: RoleDefinition) => void;
}) {
  const qc = useQueryClient();
  const [name, setName] = useState("");
  const [copyFrom, setCopyFrom] = useState<string | null>("read_only");
  const errors = useFormErrors();
  const create = useMutation({
    mutationFn: (body: unknown) => api.post<RoleDefinition>("/api/v1/roles", body),
    onSuccess: (r) => {
      void qc.invalidateQueries({ queryKey: ["roles"] });
      notifySuccess(`${r.name} added. Set its rights, then give it to people under Users & teams.`);
      setName("");
      onCreated(r);
      onClose();
    },
    onError: (e) => errors.fromServer(e, "Could not add the role"),
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const body = errors.validate(CreateRoleBody.safeParse({ name, ...(copyFrom ? { copyFrom } : {}) }));
    if (body) create.mutate(body);
  };
  return (
    <Modal opened={opened} onClose={onClose} title={<Text fw={600}>Add role</Text>} centered size="sm">
      <form onSubmit={submit} noValidate data-testid="add-role-form">
        <Stack gap="sm">
          <TextInput
            label="Name"
            value={name}
            onChange={(e) => {
              setName(e.currentTarget.value);
              errors.clear("name");
            }}
            error={errors.get("name") ?? errors.get("key")}
            data-autofocus
            required
            data-testid="new-role-name"
          />
          <Select
            label="Start from"
            description="The new role copies this role's rights and field rules; change them after."
            data={roles.map((r) => ({ value: r.key, label: r.name }))}
            value={copyFrom}
            onChange={setCopyFrom}
            allowDeselect={false}
            data-testid="new-role-copy"
          />
          <Group justify="flex-end" mt="sm">
            <Button variant="default" onClick={onClose}>
              Cancel
            </Button>
            <Button type="submit" loading={create.isPending} data-testid="new-role-submit">
              Add role
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}
