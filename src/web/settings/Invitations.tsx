import { ActionIcon, Badge, Button, Card, Group, Menu, Modal, Select, Stack, Table, Text, TextInput, Title } from "@mantine/core";
import { IconDots, IconMailForward, IconTrash } from "@tabler/icons-react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useState } from "react";
import { CreateInvitationBody, type Invitation } from "../../contract/index.js";
import { api } from "../http/client.js";
import { useFormErrors } from "../lib/form.js";
import { formatDate, roleDescriptions } from "../lib/format.js";
import { notifyError, notifySuccess } from "../lib/notify.js";
import { useRoleOptions } from "./role-options.js";

const invitationsQuery = { queryKey: ["invitations"], queryFn: () => api.get<{ data: Invitation[] }>("/api/v1/invitations").then((r) => r.data) };

/** Pending invitations with resend and revoke; hidden when there are none. */
export function PendingInvitations() {
  const roleOptions = useRoleOptions();
  const qc = useQueryClient();
  const list = useQuery(invitationsQuery);
  const resend = useMutation({
    mutationFn: (i: Invitation) => api.post<Invitation>(`/api/v1/invitations/${i.id}/resend`),
    onSuccess: (i) => {
      void qc.invalidateQueries({ queryKey: ["invitations"] });
      notifySuccess(`A new link is on its way to ${i.email}; the old one no longer works.`);
    },
    onError: (e) => notifyError(e, "Could not resend the invitation"),
  });
  const revoke = useMutation({
    mutationFn: (i: Invitation) => api.del(`/api/v1/invitations/${i.id}`).then(() => i),
    onSuccess: (i) => {
      void qc.invalidateQueries({ queryKey: ["invitations"] });
      notifySuccess(`The invitation to ${i.email} is revoked: its link no longer works.`);
    },
    onError: (e) => notifyError(e, "Could not revoke the invitation"),
  });
  if (!list.data || list.data.length === 0) return null;
  return (
    <Stack gap="xs">
      <Title order={4}>Pending invitations</Title>
      <Card withBorder radius="md" padding={0}>
        <Table verticalSpacing="sm" horizontalSpacing="md" data-testid="invitations-table">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Email</Table.Th>
              <Table.Th w={160}>Role</Table.Th>
              <Table.Th w={180}>Link works until</Table.Th>
              <Table.Th w={50} />
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {list.data.map((i) => (
              <Table.Tr key={i.id} data-testid="invitation-row">
                <Table.Td>
                  <Text fz="sm">{i.email}</Text>
                </Table.Td>
                <Table.Td>
                  <Badge variant="light">{roleOptions.name(i.role)}</Badge>
                </Table.Td>
                <Table.Td>
                  <Text fz="sm" c="dimmed">
                    {formatDate(i.expiresAt)}
                  </Text>
                </Table.Td>
                <Table.Td>
                  <Menu position="bottom-end" withinPortal>
                    <Menu.Target>
                      <ActionIcon variant="subtle" color="gray" aria-label={`Actions for the invitation to ${i.email}`}>
                        <IconDots size={16} />
                      </ActionIcon>
                    </Menu.Target>
                    <Menu.Dropdown>
                      <Menu.Item leftSection={<IconMailForward size={16} />} onClick={() => resend.mutate(i)}>
                        Resend
                      </Menu.Item>
                      <Menu.Item color="red" leftSection={<IconTrash size={16} />} onClick={() => revoke.mutate(i)}>
                        Revoke
                      </Menu.Item>
                    </Menu.Dropdown>
                  </Menu>
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </Card>
    </Stack>
  );
}

/** Settings → Users → Invite: an email and a role; the link goes by mail and works once, for 7 days. */
export function InviteModal({ opened, onClose }: { opened: boolean; onClose: () => void }) {
  const roleOptions = useRoleOptions();
  const qc = useQueryClient();
  const [email, setEmail] = useState("");
  const [role, setRole] = useState<string>("sales");
  const errors = useFormErrors();
  const invite = useMutation({
    mutationFn: (body: unknown) => api.post<Invitation>("/api/v1/invitations", body),
    onSuccess: (i) => {
      void qc.invalidateQueries({ queryKey: ["invitations"] });
      notifySuccess(`Invitation mailed to ${i.email}. The link works once, for 7 days.`);
      setEmail("");
      onClose();
    },
    onError: (e) => errors.fromServer(e, "Could not send the invitation"),
  });
  function submit(e: FormEvent) {
    e.preventDefault();
    const body = errors.validate(CreateInvitationBody.safeParse({ email, role }));
    if (body) invite.mutate(body);
  }
  return (
    <Modal opened={opened} onClose={onClose} title="Invite someone" centered>
      <form onSubmit={submit} noValidate data-testid="invite-user-form">
        <Stack gap="md">
          <Text fz="sm" c="dimmed">
            They get an email with a link to join: new people choose their name and password; people who already use Rapport sign in with theirs.
          </Text>
          <TextInput
            label="Email"
            type="email"
            value={email}
            onChange={(e) => {
              setEmail(e.currentTarget.value);
              errors.clear("email");
            }}
            error={errors.get("email")}
            autoFocus
            required
            data-testid="invite-email"
          />
          <Select
            label="Role"
            data={roleOptions.options}
            value={role}
            onChange={(v) => v && setRole(v)}
            description={roleDescriptions[role]}
            allowDeselect={false}
            data-testid="invite-role"
          />
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>
              Cancel
            </Button>
            <Button type="submit" loading={invite.isPending} data-testid="invite-send">
              Send invitation
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}
