import { ActionIcon, Alert, Anchor, Badge, Button, Card, Code, CopyButton, Group, Modal, Select, Stack, Table, Text, TextInput, Tooltip } from "@mantine/core";
import { IconAlertTriangle, IconCheck, IconCopy, IconExternalLink, IconKey, IconPlus, IconTrash } from "@tabler/icons-react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useState } from "react";
import { type ApiKey, CreateApiKeyBody, type CreatedApiKey, roles } from "../../contract/index.js";
import { usePermissions } from "../app/me.js";
import { ConfirmModal } from "../components/ConfirmModal.js";
import { api } from "../http/client.js";
import { apiKeysQuery } from "../http/queries.js";
import { useFormErrors } from "../lib/form.js";
import { formatDate, formatRelative, roleDescriptions, roleLabels } from "../lib/format.js";
import { notifyError, notifySuccess } from "../lib/notify.js";
import { SettingsPage } from "./SettingsPage.js";

type Created = import("zod").infer<typeof CreatedApiKey>;

export function ApiKeysSettings() {
  const [creating, setCreating] = useState(false);
  const [revoking, setRevoking] = useState<ApiKey | null>(null);
  const qc = useQueryClient();
  const { isAdmin } = usePermissions();
  const keys = useQuery({ ...apiKeysQuery, enabled: isAdmin });
  const revoke = useMutation({
    mutationFn: (k: ApiKey) => api.del(`/api/v1/api-keys/${k.id}`),
    onSuccess: (_r, k) => {
      void qc.invalidateQueries({ queryKey: ["api-keys"] });
      notifySuccess(`“${k.name}” revoked. Requests using it now fail.`);
      setRevoking(null);
    },
    onError: (e) => notifyError(e, "Could not revoke the key"),
  });

  return (
    <SettingsPage
      title="API keys"
      description={
        <>
          Keys let scripts and integrations use the REST API with a role of their own. Send one as <Code>Authorization: Bearer &lt;key&gt;</Code>.{" "}
          <Anchor href="/api/docs" target="_blank" fz="sm" underline="always" data-testid="api-docs-link">
            Open the API documentation <IconExternalLink size={12} style={{ verticalAlign: "middle" }} />
          </Anchor>
        </>
      }
      actions={
        <Button leftSection={<IconPlus size={16} />} onClick={() => setCreating(true)} data-testid="create-api-key">
          Create API key
        </Button>
      }
    >
      <Card withBorder radius="md" padding={0}>
        {keys.data?.length === 0 ? (
          <Stack align="center" gap="xs" py={48} px="md" ta="center">
            <IconKey size={28} color="var(--mantine-color-dimmed)" />
            <Text fw={600}>No API keys yet</Text>
            <Text fz="sm" c="dimmed" maw={420}>
              Create a key for each integration, so you can revoke one without breaking the others.
            </Text>
          </Stack>
        ) : (
          <Table.ScrollContainer minWidth={640}>
            <Table verticalSpacing="sm" horizontalSpacing="md" data-testid="api-keys-table" style={{ whiteSpace: "nowrap" }}>
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>Name</Table.Th>
                  <Table.Th>Key</Table.Th>
                  <Table.Th>Role</Table.Th>
                  <Table.Th>Created</Table.Th>
                  <Table.Th>Last used</Table.Th>
                  <Table.Th w={60} />
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {keys.isPending && (
                  <Table.Tr>
                    <Table.Td colSpan={6}>
                      <Text fz="sm" c="dimmed">
                        Loading…
                      </Text>
                    </Table.Td>
                  </Table.Tr>
                )}
                {keys.isError && (
                  <Table.Tr>
                    <Table.Td colSpan={6}>
                      <Text fz="sm" c="red">
                        {keys.error.message}
                      </Text>
                    </Table.Td>
                  </Table.Tr>
                )}
                {keys.data?.map((k) => (
                  <Table.Tr key={k.id} data-testid="api-key-row" opacity={k.revokedAt ? 0.55 : 1}>
                    <Table.Td>
                      <Group gap={6}>
                        <Text fz="sm" fw={500}>
                          {k.name}
                        </Text>
                        {k.revokedAt && (
                          <Badge size="xs" color="gray" variant="light">
                            revoked
                          </Badge>
                        )}
                      </Group>
                    </Table.Td>
                    <Table.Td>
                      <Code>{k.prefix}…</Code>
                    </Table.Td>
                    <Table.Td>
                      <Badge variant="light" tt="none">
                        {roleLabels[k.role] ?? k.role}
                      </Badge>
                    </Table.Td>
                    <Table.Td>
                      <Text fz="sm">{formatDate(k.createdAt)}</Text>
                    </Table.Td>
                    <Table.Td>
                      <Text fz="sm" c={k.lastUsedAt ? undefined : "dimmed"}>
                        {k.lastUsedAt ? formatRelative(k.lastUsedAt) : "Never"}
                      </Text>
                    </Table.Td>
                    <Table.Td>
                      {!k.revokedAt && (
                        <Tooltip label="Revoke">
                          <ActionIcon variant="subtle" color="red" onClick={() => setRevoking(k)} aria-label={`Revoke ${k.name}`} data-testid="revoke-api-key">
                            <IconTrash size={16} />
                          </ActionIcon>
                        </Tooltip>
                      )}
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        )}
      </Card>
      <CreateKeyModal opened={creating} onClose={() => setCreating(false)} />
      <ConfirmModal
        opened={Boolean(revoking)}
        onClose={() => setRevoking(null)}
        onConfirm={() => revoking && revoke.mutate(revoking)}
        title={`Revoke “${revoking?.name ?? ""}”?`}
        confirmLabel="Revoke key"
        danger
        loading={revoke.isPending}
      >
        Anything using this key stops working immediately. This can't be undone.
      </ConfirmModal>
    </SettingsPage>
  );
}

function CreateKeyModal({ opened, onClose }: { opened: boolean; onClose: () => void }) {
  const qc = useQueryClient();
  const [name, setName] = useState("");
  const [role, setRole] = useState<string>("read_only");
  const [created, setCreated] = useState<Created | null>(null);
  const errors = useFormErrors();
  const create = useMutation({
    mutationFn: (body: unknown) => api.post<Created>("/api/v1/api-keys", body),
    onSuccess: (k) => {
      void qc.invalidateQueries({ queryKey: ["api-keys"] });
      setCreated(k);
    },
    onError: (e) => errors.fromServer(e, "Could not create the key"),
  });
  const close = () => {
    onClose();
    setTimeout(() => {
      setCreated(null);
      setName("");
      setRole("read_only");
      errors.clear();
    }, 200);
  };
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const body = errors.validate(CreateApiKeyBody.safeParse({ name, role }));
    if (body) create.mutate(body);
  };
  const curl = created ? `curl -H "Authorization: Bearer ${created.key}" ${window.location.origin}/api/v1/contacts` : "";

  return (
    <Modal
      opened={opened}
      onClose={close}
      title={<Text fw={600}>{created ? "Your new API key" : "Create API key"}</Text>}
      centered
      size="lg"
      closeOnClickOutside={!created}
    >
      {created ? (
        <Stack gap="md" data-testid="api-key-created">
          <Alert color="orange" variant="light" icon={<IconAlertTriangle size={18} />}>
            Copy the key now. For your security it is shown only once — if you lose it, revoke it and create another.
          </Alert>
          <div>
            <Text fz="sm" fw={500} mb={4}>
              {created.name} · {roleLabels[created.role]}
            </Text>
            <Group gap="xs" wrap="nowrap">
              <Code block style={{ flex: 1, overflowWrap: "anywhere", whiteSpace: "pre-wrap" }} data-testid="api-key-value">
                {created.key}
              </Code>
              <CopyButton value={created.key}>
                {({ copied, copy }) => (
                  <Button
                    variant={copied ? "filled" : "default"}
                    color={copied ? "teal" : undefined}
                    onClick={copy}
                    leftSection={copied ? <IconCheck size={16} /> : <IconCopy size={16} />}
                    data-testid="copy-api-key"
                  >
                    {copied ? "Copied" : "Copy"}
                  </Button>
                )}
              </CopyButton>
            </Group>
          </div>
          <div>
            <Text fz="sm" fw={500} mb={4}>
              Try it
            </Text>
            <Group gap="xs" wrap="nowrap" align="flex-start">
              <Code block style={{ flex: 1, overflowWrap: "anywhere", whiteSpace: "pre-wrap" }} data-testid="api-key-curl">
                {curl}
              </Code>
              <CopyButton value={curl}>
                {({ copied, copy }) => (
                  <Tooltip label={copied ? "Copied" : "Copy command"}>
                    <ActionIcon variant="default" size="lg" onClick={copy} aria-label="Copy curl command">
                      {copied ? <IconCheck size={16} /> : <IconCopy size={16} />}
                    </ActionIcon>
                  </Tooltip>
                )}
              </CopyButton>
            </Group>
          </div>
          <Group justify="flex-end">
            <Button onClick={close} data-testid="api-key-done">
              Done
            </Button>
          </Group>
        </Stack>
      ) : (
        <form onSubmit={submit} noValidate data-testid="api-key-form">
          <Stack gap="sm">
            <TextInput
              label="Name"
              description="What uses this key, e.g. “Website form” or “Zapier”"
              value={name}
              onChange={(e) => {
                setName(e.currentTarget.value);
                errors.clear("name");
              }}
              error={errors.get("name")}
              data-autofocus
              data-testid="api-key-name"
            />
            <Select
              label="Role"
              data={roles.map((r) => ({ value: r, label: roleLabels[r] ?? r }))}
              value={role}
              onChange={(r) => r && setRole(r)}
              allowDeselect={false}
              description={roleDescriptions[role]}
              error={errors.get("role")}
              data-testid="api-key-role"
            />
            <Group justify="flex-end" gap="sm" mt="xs">
              <Button variant="default" onClick={close}>
                Cancel
              </Button>
              <Button type="submit" loading={create.isPending} data-testid="api-key-submit">
                Create key
              </Button>
            </Group>
          </Stack>
        </form>
      )}
    </Modal>
  );
}
