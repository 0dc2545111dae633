import { Alert, Button, Code, CopyButton, Group, Paper, Stack, Text } from "@mantine/core";
import { IconCalendarShare } from "@tabler/icons-react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import type { z } from "zod";
import type { CalendarFeedCreated, CalendarFeedStatus } from "../../contract/index.js";
import { api } from "../http/client.js";
import { formatRelative } from "../lib/format.js";
import { notifyError, notifySuccess } from "../lib/notify.js";

/** Subscribe from Google Calendar, Outlook or Apple Calendar: a private URL, shown once. */
export function FeedCard() {
  const qc = useQueryClient();
  const [fresh, setFresh] = useState<string | null>(null);
  const status = useQuery({ queryKey: ["calendar-feed"], queryFn: () => api.get<z.infer<typeof CalendarFeedStatus>>("/api/v1/calendar/feed") });
  const create = useMutation({
    mutationFn: () => api.post<z.infer<typeof CalendarFeedCreated>>("/api/v1/calendar/feed", {}),
    onSuccess: (r) => {
      setFresh(r.url);
      void qc.invalidateQueries({ queryKey: ["calendar-feed"] });
    },
    onError: (e) => notifyError(e, "Could not create the feed"),
  });
  const revoke = useMutation({
    mutationFn: () => api.del("/api/v1/calendar/feed"),
    onSuccess: () => {
      setFresh(null);
      notifySuccess("Feed URL revoked; calendars subscribed to it stop updating");
      void qc.invalidateQueries({ queryKey: ["calendar-feed"] });
    },
    onError: (e) => notifyError(e),
  });
  const active = status.data?.active ?? false;
  return (
    <Paper withBorder radius="md" p="md" data-testid="feed-card">
      <Stack gap="xs">
        <Group gap="xs">
          <IconCalendarShare size={18} />
          <Text fw={600}>Subscribe in your calendar app</Text>
        </Group>
        <Text fz="sm" c="dimmed">
          A private address with your meetings and task due dates, for Google Calendar, Outlook or Apple Calendar. Anyone with the address can read it: keep it
          to yourself, and revoke it if it leaks.
        </Text>
        {fresh && (
          <Alert color="green" title="Your feed address (shown once)">
            <Stack gap={6}>
              <Code block style={{ wordBreak: "break-all" }} data-testid="feed-url">
                {fresh}
              </Code>
              <CopyButton value={fresh}>
                {({ copied, copy }) => (
                  <Button size="xs" onClick={copy} color={copied ? "teal" : undefined} data-testid="feed-copy">
                    {copied ? "Copied" : "Copy address"}
                  </Button>
                )}
              </CopyButton>
            </Stack>
          </Alert>
        )}
        {status.isError && <Text c="red">{status.error.message}</Text>}
        {active && !fresh && (
          <Text fz="sm" data-testid="feed-active">
            A feed address is active{status.data?.lastUsedAt ? `; last read ${formatRelative(status.data.lastUsedAt)}` : "; not read yet"}.
          </Text>
        )}
        <Group gap="xs">
          <Button size="xs" variant={active ? "default" : "filled"} onClick={() => create.mutate()} loading={create.isPending} data-testid="feed-create">
            {active ? "Regenerate address" : "Create feed address"}
          </Button>
          {active && (
            <Button size="xs" variant="subtle" color="red" onClick={() => revoke.mutate()} loading={revoke.isPending} data-testid="feed-revoke">
              Revoke
            </Button>
          )}
        </Group>
      </Stack>
    </Paper>
  );
}
