import {
  ActionIcon,
  Badge,
  Button,
  Card,
  Code,
  Group,
  Menu,
  Modal,
  SegmentedControl,
  Select,
  Stack,
  Switch,
  Table,
  TagsInput,
  Text,
  TextInput,
} from "@mantine/core";
import { IconDots, IconEdit, IconForms, IconPlus, IconTrash } from "@tabler/icons-react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useState } from "react";
import { CreateCustomFieldBody, type CustomField, type CustomObject, customFieldTypes, UpdateCustomFieldBody } from "../../contract/index.js";
import { ConfirmModal } from "../components/ConfirmModal.js";
import { api } from "../http/client.js";
import { customFieldsQuery } from "../http/queries.js";
import { useFormErrors } from "../lib/form.js";
import { customFieldTypeLabels } from "../lib/format.js";
import { notifyError, notifySuccess } from "../lib/notify.js";
import { SettingsPage } from "./SettingsPage.js";

const keyFromLabel = (label: string) =>
  label
    .normalize("NFKD")
    .replace(/\p{M}/gu, "")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "_")
    .replace(/^_+|_+$/g, "")
    .replace(/^(\d)/, "f_$1")
    .slice(0, 40);

export function CustomFieldsSettings() {
  const [object, setObject] = useState<CustomObject>("contact");
  const [editing, setEditing] = useState<CustomField | "new" | null>(null);
  const [deleting, setDeleting] = useState<CustomField | null>(null);
  const qc = useQueryClient();
  const fields = useQuery(customFieldsQuery(object));
  const remove = useMutation({
    mutationFn: (f: CustomField) => api.del(`/api/v1/custom-fields/${f.id}`),
    onSuccess: (_r, f) => {
      void qc.invalidateQueries({ queryKey: ["custom-fields", object] });
      notifySuccess(`Deleted “${f.label}”`);
      setDeleting(null);
    },
    onError: (e) => notifyError(e, "Could not delete the field"),
  });

  return (
    <SettingsPage
      title="Custom fields"
      description="Extra fields for your contacts and companies. They appear in forms, record pages, list columns and filters."
      actions={
        <Button leftSection={<IconPlus size={16} />} onClick={() => setEditing("new")} data-testid="add-custom-field">
          Add field
        </Button>
      }
    >
      <SegmentedControl
        value={object}
        onChange={(v) => setObject(v as CustomObject)}
        data={[
          { value: "contact", label: "Contact fields" },
          { value: "company", label: "Company fields" },
          { value: "deal", label: "Deal fields" },
        ]}
        w="fit-content"
        data-testid="custom-field-object"
      />
      <Card withBorder radius="md" padding={0}>
        {fields.data?.length === 0 ? (
          <Stack align="center" gap="xs" py={48} px="md" ta="center">
            <IconForms size={28} color="var(--mantine-color-dimmed)" />
            <Text fw={600}>No {object} fields yet</Text>
            <Text fz="sm" c="dimmed" maw={420}>
              Track what matters to your business — a customer tier, a contract renewal date, a preferred language.
            </Text>
            <Button variant="light" mt="xs" leftSection={<IconPlus size={16} />} onClick={() => setEditing("new")}>
              Add a {object} field
            </Button>
          </Stack>
        ) : (
          <Table.ScrollContainer minWidth={560}>
            <Table verticalSpacing="sm" horizontalSpacing="md" data-testid="custom-fields-table">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>Label</Table.Th>
                  <Table.Th>Key</Table.Th>
                  <Table.Th>Type</Table.Th>
                  <Table.Th>Options</Table.Th>
                  <Table.Th w={50} />
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {fields.isPending && (
                  <Table.Tr>
                    <Table.Td colSpan={5}>
                      <Text fz="sm" c="dimmed">
                        Loading…
                      </Text>
                    </Table.Td>
                  </Table.Tr>
                )}
                {fields.data?.map((f) => (
                  <Table.Tr key={f.id} data-testid="custom-field-row">
                    <Table.Td>
                      <Group gap={6}>
                        <Text fz="sm" fw={500}>
                          {f.label}
                        </Text>
                        {f.required && (
                          <Badge size="xs" color="red" variant="light">
                            required
                          </Badge>
                        )}
                      </Group>
                    </Table.Td>
                    <Table.Td>
                      <Code>{`custom.${f.key}`}</Code>
                    </Table.Td>
                    <Table.Td>
                      <Text fz="sm">{customFieldTypeLabels[f.type] ?? f.type}</Text>
                    </Table.Td>
                    <Table.Td>
                      <Text fz="sm" c="dimmed" lineClamp={2}>
                        {f.options.length ? f.options.join(", ") : "—"}
                      </Text>
                    </Table.Td>
                    <Table.Td>
                      <Menu position="bottom-end" withinPortal>
                        <Menu.Target>
                          <ActionIcon variant="subtle" color="gray" aria-label={`Actions for ${f.label}`}>
                            <IconDots size={16} />
                          </ActionIcon>
                        </Menu.Target>
                        <Menu.Dropdown>
                          <Menu.Item leftSection={<IconEdit size={16} />} onClick={() => setEditing(f)}>
                            Edit field
                          </Menu.Item>
                          <Menu.Item color="red" leftSection={<IconTrash size={16} />} onClick={() => setDeleting(f)}>
                            Delete field
                          </Menu.Item>
                        </Menu.Dropdown>
                      </Menu>
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        )}
      </Card>
      <Modal
        opened={editing !== null}
        onClose={() => setEditing(null)}
        title={<Text fw={600}>{editing === "new" ? `New ${object} field` : `Edit “${editing?.label ?? ""}”`}</Text>}
        centered
      >
        {editing !== null && (
          <FieldForm key={editing === "new" ? "new" : editing.id} object={object} field={editing === "new" ? null : editing} onClose={() => setEditing(null)} />
        )}
      </Modal>
      <ConfirmModal
        opened={Boolean(deleting)}
        onClose={() => setDeleting(null)}
        onConfirm={() => deleting && remove.mutate(deleting)}
        title={`Delete “${deleting?.label ?? ""}”?`}
        confirmLabel="Delete field"
        danger
        loading={remove.isPending}
      >
        The field disappears from forms, lists and filters. Values stored on records are dropped the next time each record is saved.
      </ConfirmModal>
    </SettingsPage>
  );
}

function FieldForm({ object, field, onClose }: { object: CustomObject; field: CustomField | null; onClose: () => void }) {
  const qc = useQueryClient();
  const [label, setLabel] = useState(field?.label ?? "");
  const [key, setKey] = useState(field?.key ?? "");
  const [keyTouched, setKeyTouched] = useState(false);
  const [type, setType] = useState<string>(field?.type ?? "text");
  const [options, setOptions] = useState<string[]>(field?.options ?? []);
  const [required, setRequired] = useState(field?.required ?? false);
  const errors = useFormErrors();
  const needsOptions = type === "select" || type === "multi_select";
  const effectiveKey = field ? field.key : keyTouched ? key : keyFromLabel(label);

  const save = useMutation({
    mutationFn: (body: unknown) =>
      field ? api.patch<CustomField>(`/api/v1/custom-fields/${field.id}`, body) : api.post<CustomField>("/api/v1/custom-fields", body),
    onSuccess: (f) => {
      void qc.invalidateQueries({ queryKey: ["custom-fields", object] });
      notifySuccess(`“${f.label}” saved`, field ? undefined : "Field added");
      onClose();
    },
    onError: (e) => errors.fromServer(e, "Could not save the field"),
  });

  const submit = (e: FormEvent) => {
    e.preventDefault();
    const body = field
      ? errors.validate(UpdateCustomFieldBody.safeParse({ label, required, ...(needsOptions ? { options } : {}) }))
      : errors.validate(
          CreateCustomFieldBody.safeParse({ object, label, key: effectiveKey || undefined, type, required, ...(needsOptions ? { options } : {}) }),
        );
    if (body) save.mutate(body);
  };

  return (
    <form onSubmit={submit} noValidate data-testid="custom-field-form">
      <Stack gap="sm">
        <TextInput
          label="Label"
          placeholder="e.g. Customer tier"
          value={label}
          onChange={(e) => {
            setLabel(e.currentTarget.value);
            errors.clear("label");
          }}
          error={errors.get("label")}
          data-autofocus
          required
          data-testid="custom-field-label"
        />
        <TextInput
          label="Key"
          description={field ? "Keys can't change once created" : "Used by the API, filters and imports"}
          value={effectiveKey}
          onChange={(e) => {
            setKey(e.currentTarget.value);
            setKeyTouched(true);
            errors.clear("key");
          }}
          disabled={Boolean(field)}
          error={errors.get("key")}
          leftSection={
            <Text fz="xs" c="dimmed">
              custom.
            </Text>
          }
          leftSectionWidth={58}
          data-testid="custom-field-key"
        />
        <Select
          label="Type"
          data={customFieldTypes.map((t) => ({ value: t, label: customFieldTypeLabels[t] ?? t }))}
          value={type}
          onChange={(t) => t && setType(t)}
          allowDeselect={false}
          disabled={Boolean(field)}
          description={field ? "The type can't change once created" : undefined}
          error={errors.get("type")}
          data-testid="custom-field-type"
        />
        {needsOptions && (
          <TagsInput
            label="Options"
            description="Type an option and press Enter"
            value={options}
            onChange={(o) => {
              setOptions(o);
              errors.clear("options");
            }}
            error={errors.get("options")}
            clearable
            data-testid="custom-field-options"
          />
        )}
        <Switch
          label="Required"
          description="Records can't be saved without a value"
          checked={required}
          onChange={(e) => setRequired(e.currentTarget.checked)}
          mt={4}
          data-testid="custom-field-required"
        />
        <Group justify="flex-end" gap="sm" mt="xs">
          <Button variant="default" onClick={onClose}>
            Cancel
          </Button>
          <Button type="submit" loading={save.isPending} data-testid="custom-field-save">
            {field ? "Save field" : "Add field"}
          </Button>
        </Group>
      </Stack>
    </form>
  );
}
