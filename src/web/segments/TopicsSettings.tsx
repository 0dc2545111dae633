import { Badge, Button, Group, Paper, Stack, Switch, Table, Text, TextInput } from "@mantine/core";
import { IconPlus } from "@tabler/icons-react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import type { ConsentTopic } from "../../contract/consent.js";
import { api } from "../http/client.js";
import { notifyError, notifySuccess } from "../lib/notify.js";
import { SettingsPage } from "../settings/SettingsPage.js";
import { topicsQuery } from "./api.js";

/** Settings → Subscription topics: what people can subscribe to on their preference page. */
export function TopicsSettings() {
  const qc = useQueryClient();
  const topics = useQuery(topicsQuery);
  const [name, setName] = useState("");
  const [description, setDescription] = useState("");
  const done = () => void qc.invalidateQueries({ queryKey: ["consent-topics"] });
  const create = useMutation({
    mutationFn: () => api.post<ConsentTopic>("/api/v1/consent/topics", { name, description }),
    onSuccess: (t) => {
      notifySuccess(`Added “${t.name}”`);
      setName("");
      setDescription("");
      done();
    },
    onError: (e) => notifyError(e, "Could not add the topic"),
  });
  const toggle = useMutation({
    mutationFn: (t: ConsentTopic) => api.patch(`/api/v1/consent/topics/${t.id}`, { active: !t.active }),
    onSuccess: done,
    onError: (e) => notifyError(e, "Could not change the topic"),
  });
  return (
    <SettingsPage
      title="Subscription topics"
      description="What contacts can subscribe to, each on its own: a newsletter, product news, events. Contacts choose on their preference page; archived topics are no longer offered but keep their consent records."
    >
      <Paper withBorder p="md" radius="md">
        <Group align="flex-end">
          <TextInput label="Topic" placeholder="Monthly newsletter" value={name} onChange={(e) => setName(e.currentTarget.value)} data-testid="topic-name" />
          <TextInput
            label="Description"
            placeholder="What subscribers receive, and how often"
            value={description}
            onChange={(e) => setDescription(e.currentTarget.value)}
            style={{ flex: 1 }}
          />
          <Button
            leftSection={<IconPlus size={16} />}
            onClick={() => create.mutate()}
            loading={create.isPending}
            disabled={!name.trim()}
            data-testid="topic-add"
          >
            Add topic
          </Button>
        </Group>
      </Paper>
      {topics.data?.length ? (
        <Paper withBorder radius="md">
          <Table>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Topic</Table.Th>
                <Table.Th>Offered</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {topics.data.map((t) => (
                <Table.Tr key={t.id}>
                  <Table.Td>
                    <Text fw={600} fz="sm">
                      {t.name} {!t.active && <Badge color="gray">Archived</Badge>}
                    </Text>
                    <Text fz="xs" c="dimmed">
                      {t.description}
                    </Text>
                  </Table.Td>
                  <Table.Td>
                    <Switch checked={t.active} onChange={() => toggle.mutate(t)} aria-label={`Offer ${t.name}`} />
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Paper>
      ) : (
        <Stack>
          <Text c="dimmed" fz="sm">
            No topics yet. Without topics, the preference page offers one choice: to unsubscribe from all email.
          </Text>
        </Stack>
      )}
    </SettingsPage>
  );
}
