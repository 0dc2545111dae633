import {
  ActionIcon,
  Avatar,
  Badge,
  Button,
  Card,
  Group,
  Menu,
  Modal,
  MultiSelect,
  PasswordInput,
  Select,
  SimpleGrid,
  Stack,
  Table,
  Text,
  TextInput,
  Title,
  Tooltip,
} from "@mantine/core";
import { IconDots, IconEdit, IconMail, IconPlus, IconTrash, IconUserCheck, IconUserOff, IconUsersGroup } from "@tabler/icons-react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useState } from "react";
import { CreateTeamBody, CreateUserBody, type Team, type User } from "../../contract/index.js";
import { useMe } from "../app/me.js";
import { ConfirmModal } from "../components/ConfirmModal.js";
import { api } from "../http/client.js";
import { teamsQuery, usersQuery } from "../http/queries.js";
import { useFormErrors } from "../lib/form.js";
import { initials, roleDescriptions } from "../lib/format.js";
import { notifyError, notifySuccess } from "../lib/notify.js";
import { InviteModal, PendingInvitations } from "./Invitations.js";
import { useRoleOptions } from "./role-options.js";
import { SettingsPage } from "./SettingsPage.js";

export function UsersSettings() {
  const [adding, setAdding] = useState(false);
  const [inviting, setInviting] = useState(false);
  return (
    <SettingsPage
      title="Users & teams"
      description="Who can sign in to this workspace, what they may do, and which teams they belong to."
      actions={
        <Group gap="xs">
          <Button leftSection={<IconMail size={16} />} onClick={() => setInviting(true)} data-testid="invite-user">
            Invite
          </Button>
          <Button variant="default" leftSection={<IconPlus size={16} />} onClick={() => setAdding(true)} data-testid="add-user">
            Add user
          </Button>
        </Group>
      }
    >
      <UsersTable />
      <PendingInvitations />
      <TeamsSection />
      <AddUserModal opened={adding} onClose={() => setAdding(false)} />
      <InviteModal opened={inviting} onClose={() => setInviting(false)} />
    </SettingsPage>
  );
}

function UsersTable() {
  const me = useMe();
  const roleOptions = useRoleOptions();
  const qc = useQueryClient();
  const users = useQuery(usersQuery);
  const teams = useQuery(teamsQuery);
  const teamName = new Map((teams.data ?? []).map((t) => [t.id, t.name]));
  const update = useMutation({
    mutationFn: ({ id, body }: { id: string; body: Record<string, unknown> }) => api.patch<User>(`/api/v1/users/${id}`, body),
    onSuccess: (u, { body }) => {
      void qc.invalidateQueries({ queryKey: ["users"] });
      void qc.invalidateQueries({ queryKey: ["teams"] });
      notifySuccess(
        "active" in body
          ? `${u.name} ${u.active ? "can sign in again" : "is deactivated and can no longer sign in"}`
          : `${u.name} is now ${roleOptions.name(u.role)}`,
      );
    },
    onError: (e) => notifyError(e, "Could not update the user"),
  });

  return (
    <Card withBorder radius="md" padding={0}>
      <Table.ScrollContainer minWidth={640}>
        <Table verticalSpacing="sm" horizontalSpacing="md" highlightOnHover data-testid="users-table">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>User</Table.Th>
              <Table.Th w={190}>Role</Table.Th>
              <Table.Th>Teams</Table.Th>
              <Table.Th w={110}>Status</Table.Th>
              <Table.Th w={50} />
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {users.isPending && (
              <Table.Tr>
                <Table.Td colSpan={5}>
                  <Text c="dimmed" fz="sm">
                    Loading users…
                  </Text>
                </Table.Td>
              </Table.Tr>
            )}
            {users.isError && (
              <Table.Tr>
                <Table.Td colSpan={5}>
                  <Text c="red" fz="sm">
                    {users.error.message}{" "}
                    <Button size="compact-xs" variant="subtle" onClick={() => users.refetch()}>
                      Retry
                    </Button>
                  </Text>
                </Table.Td>
              </Table.Tr>
            )}
            {users.data?.map((u) => {
              const self = u.id === me.user.id;
              return (
                <Table.Tr key={u.id} data-testid="user-row" opacity={u.active ? 1 : 0.6}>
                  <Table.Td>
                    <Group gap="sm" wrap="nowrap">
                      <Avatar size={32} radius="xl" color="indigo">
                        {initials(u.name)}
                      </Avatar>
                      <div style={{ minWidth: 0 }}>
                        <Text fz="sm" fw={500} truncate>
                          {u.name}{" "}
                          {self && (
                            <Text span c="dimmed" fz="xs">
                              (you)
                            </Text>
                          )}
                        </Text>
                        <Text fz="xs" c="dimmed" truncate>
                          {u.email}
                        </Text>
                      </div>
                    </Group>
                  </Table.Td>
                  <Table.Td>
                    <Tooltip label="You can't change your own role" disabled={!self}>
                      <div>
                        <Select
                          size="xs"
                          data={roleOptions.options}
                          value={u.role}
                          allowDeselect={false}
                          disabled={self}
                          onChange={(role) => role && role !== u.role && update.mutate({ id: u.id, body: { role } })}
                          aria-label={`Role of ${u.name}`}
                          data-testid="user-role"
                        />
                      </div>
                    </Tooltip>
                  </Table.Td>
                  <Table.Td>
                    <Group gap={4}>
                      {u.teamIds.length ? (
                        u.teamIds.map((t) => (
                          <Badge key={t} variant="default" tt="none" fw={500}>
                            {teamName.get(t) ?? "Team"}
                          </Badge>
                        ))
                      ) : (
                        <Text fz="sm" c="dimmed">
                          —
                        </Text>
                      )}
                    </Group>
                  </Table.Td>
                  <Table.Td>
                    <Badge color={u.active ? "teal" : "gray"} variant="light">
                      {u.active ? "Active" : "Deactivated"}
                    </Badge>
                  </Table.Td>
                  <Table.Td>
                    {!self && (
                      <Menu position="bottom-end" withinPortal>
                        <Menu.Target>
                          <ActionIcon variant="subtle" color="gray" aria-label={`Actions for ${u.name}`}>
                            <IconDots size={16} />
                          </ActionIcon>
                        </Menu.Target>
                        <Menu.Dropdown>
                          {u.active ? (
                            <Menu.Item color="red" leftSection={<IconUserOff size={16} />} onClick={() => update.mutate({ id: u.id, body: { active: false } })}>
                              Deactivate
                            </Menu.Item>
                          ) : (
                            <Menu.Item leftSection={<IconUserCheck size={16} />} onClick={() => update.mutate({ id: u.id, body: { active: true } })}>
                              Reactivate
                            </Menu.Item>
                          )}
                        </Menu.Dropdown>
                      </Menu>
                    )}
                  </Table.Td>
                </Table.Tr>
              );
            })}
          </Table.Tbody>
        </Table>
      </Table.ScrollContainer>
    </Card>
  );
}

function AddUserModal({ opened, onClose }: { opened: boolean; onClose: () => void }) {
  const roleOptions = useRoleOptions();
  const qc = useQueryClient();
  const teams = useQuery(teamsQuery);
  const empty = { name: "", email: "", role: "sales", password: "", teamIds: [] as string[] };
  const [v, setV] = useState(empty);
  const errors = useFormErrors();
  const set = <K extends keyof typeof empty>(k: K, value: (typeof empty)[K]) => {
    setV((p) => ({ ...p, [k]: value }));
    errors.clear(k);
  };
  const create = useMutation({
    mutationFn: (body: unknown) => api.post<User>("/api/v1/users", body),
    onSuccess: (u) => {
      void qc.invalidateQueries({ queryKey: ["users"] });
      void qc.invalidateQueries({ queryKey: ["teams"] });
      notifySuccess(`${u.name} can now sign in with ${u.email}`, "User added");
      setV(empty);
      onClose();
    },
    onError: (e) => errors.fromServer(e, "Could not add the user"),
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const body = errors.validate(CreateUserBody.safeParse(v));
    if (body) create.mutate(body);
  };
  return (
    <Modal opened={opened} onClose={onClose} title={<Text fw={600}>Add user</Text>} centered size="md">
      <form onSubmit={submit} noValidate data-testid="add-user-form">
        <Stack gap="sm">
          <TextInput label="Name" value={v.name} onChange={(e) => set("name", e.currentTarget.value)} error={errors.get("name")} data-autofocus required />
          <TextInput label="Email" type="email" value={v.email} onChange={(e) => set("email", e.currentTarget.value)} error={errors.get("email")} required />
          <Select
            label="Role"
            data={roleOptions.options}
            value={v.role}
            onChange={(r) => r && set("role", r)}
            allowDeselect={false}
            description={roleDescriptions[v.role]}
            error={errors.get("role")}
          />
          <PasswordInput
            label="Temporary password"
            description="At least 10 characters. Share it with them privately."
            value={v.password}
            onChange={(e) => set("password", e.currentTarget.value)}
            error={errors.get("password")}
            autoComplete="new-password"
            required
          />
          <MultiSelect
            label="Teams"
            data={(teams.data ?? []).map((t) => ({ value: t.id, label: t.name }))}
            value={v.teamIds}
            onChange={(ids) => set("teamIds", ids)}
            placeholder={teams.data?.length ? "Pick teams" : "No teams yet"}
            searchable
            clearable
          />
          <Group justify="flex-end" gap="sm" mt="xs">
            <Button variant="default" onClick={onClose}>
              Cancel
            </Button>
            <Button type="submit" loading={create.isPending}>
              Add user
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}

function TeamsSection() {
  const qc = useQueryClient();
  const teams = useQuery(teamsQuery);
  const users = useQuery(usersQuery);
  const userMap = new Map((users.data ?? []).map((u) => [u.id, u]));
  const [editing, setEditing] = useState<Team | "new" | null>(null);
  const [deleting, setDeleting] = useState<Team | null>(null);
  const remove = useMutation({
    mutationFn: (t: Team) => api.del(`/api/v1/teams/${t.id}`),
    onSuccess: () => {
      void qc.invalidateQueries({ queryKey: ["teams"] });
      void qc.invalidateQueries({ queryKey: ["users"] });
      setDeleting(null);
    },
    onError: (e) => notifyError(e, "Could not delete the team"),
  });

  return (
    <Stack gap="sm">
      <Group justify="space-between" mt="md">
        <div>
          <Title order={3} fz="lg">
            Teams
          </Title>
          <Text fz="sm" c="dimmed">
            Group people to share ownership (“owner is on my team” filters) and for managers' views.
          </Text>
        </div>
        <Button variant="default" leftSection={<IconPlus size={16} />} onClick={() => setEditing("new")} data-testid="add-team">
          New team
        </Button>
      </Group>
      {teams.data?.length === 0 && (
        <Card withBorder radius="md" p="lg" style={{ borderStyle: "dashed" }}>
          <Group gap="sm">
            <IconUsersGroup size={22} color="var(--mantine-color-dimmed)" />
            <Text fz="sm" c="dimmed">
              No teams yet. Create one, e.g. “Sales DACH” or “Support”.
            </Text>
          </Group>
        </Card>
      )}
      <SimpleGrid cols={{ base: 1, sm: 2, lg: 3 }} spacing="sm">
        {teams.data?.map((t) => (
          <Card key={t.id} withBorder radius="md" padding="md" data-testid="team-card">
            <Group justify="space-between" wrap="nowrap">
              <Text fw={600} truncate>
                {t.name}
              </Text>
              <Menu position="bottom-end" withinPortal>
                <Menu.Target>
                  <ActionIcon variant="subtle" color="gray" aria-label={`Actions for ${t.name}`}>
                    <IconDots size={16} />
                  </ActionIcon>
                </Menu.Target>
                <Menu.Dropdown>
                  <Menu.Item leftSection={<IconEdit size={16} />} onClick={() => setEditing(t)}>
                    Edit team
                  </Menu.Item>
                  <Menu.Item color="red" leftSection={<IconTrash size={16} />} onClick={() => setDeleting(t)}>
                    Delete team
                  </Menu.Item>
                </Menu.Dropdown>
              </Menu>
            </Group>
            <Text fz="xs" c="dimmed" mb="xs">
              {t.memberIds.length} {t.memberIds.length === 1 ? "member" : "members"}
            </Text>
            <Avatar.Group>
              {t.memberIds.slice(0, 6).map((id) => (
                <Tooltip key={id} label={userMap.get(id)?.name ?? "User"} withArrow>
                  <Avatar size={30} radius="xl" color="indigo">
                    {initials(userMap.get(id)?.name ?? "?")}
                  </Avatar>
                </Tooltip>
              ))}
              {t.memberIds.length > 6 && (
                <Avatar size={30} radius="xl">
                  +{t.memberIds.length - 6}
                </Avatar>
              )}
            </Avatar.Group>
          </Card>
        ))}
      </SimpleGrid>
      <TeamModal team={editing} users={users.data ?? []} onClose={() => setEditing(null)} />
      <ConfirmModal
        opened={Boolean(deleting)}
        onClose={() => setDeleting(null)}
        onConfirm={() => deleting && remove.mutate(deleting)}
        title={`Delete ${deleting?.name ?? "team"}?`}
        confirmLabel="Delete team"
        danger
        loading={remove.isPending}
      >
        Members stay in the workspace; only the team goes away.
      </ConfirmModal>
    </Stack>
  );
}

function TeamModal({ team, users, onClose }: { team: Team | "new" | null; users: User[]; onClose: () => void }) {
  return (
    <Modal opened={team !== null} onClose={onClose} title={<Text fw={600}>{team === "new" ? "New team" : "Edit team"}</Text>} centered>
      {team !== null && <TeamForm key={team === "new" ? "new" : team.id} team={team === "new" ? null : team} users={users} onClose={onClose} />}
    </Modal>
  );
}

function TeamForm({ team, users, onClose }: { team: Team | null; users: User[]; onClose: () => void }) {
  const qc = useQueryClient();
  const [name, setName] = useState(team?.name ?? "");
  const [memberIds, setMemberIds] = useState<string[]>(team?.memberIds ?? []);
  const errors = useFormErrors();
  const save = useMutation({
    mutationFn: (body: unknown) => (team ? api.patch<Team>(`/api/v1/teams/${team.id}`, body) : api.post<Team>("/api/v1/teams", body)),
    onSuccess: (t) => {
      void qc.invalidateQueries({ queryKey: ["teams"] });
      void qc.invalidateQueries({ queryKey: ["users"] });
      notifySuccess(`Team “${t.name}” saved`);
      onClose();
    },
    onError: (e) => errors.fromServer(e, "Could not save the team"),
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const body = errors.validate(CreateTeamBody.safeParse({ name, memberIds }));
    if (body) save.mutate(body);
  };
  return (
    <form onSubmit={submit} noValidate>
      <Stack gap="sm">
        <TextInput label="Team name" value={name} onChange={(e) => setName(e.currentTarget.value)} error={errors.get("name")} data-autofocus />
        <MultiSelect
          label="Members"
          data={users.filter((u) => u.active || memberIds.includes(u.id)).map((u) => ({ value: u.id, label: u.name }))}
          value={memberIds}
          onChange={setMemberIds}
          searchable
          clearable
          error={errors.get("memberIds")}
          comboboxProps={{ withinPortal: true }}
        />
        <Group justify="flex-end" gap="sm" mt="xs">
          <Button variant="default" onClick={onClose}>
            Cancel
          </Button>
          <Button type="submit" loading={save.isPending}>
            Save team
          </Button>
        </Group>
      </Stack>
    </form>
  );
}
