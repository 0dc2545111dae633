import { ActionIcon, Anchor, Button, Divider, Group, Indicator, Loader, Popover, ScrollArea, Stack, Switch, Text, UnstyledButton } from "@mantine/core";
import { IconBell } from "@tabler/icons-react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { Link, useNavigate } from "@tanstack/react-router";
import { useState } from "react";
import type { z } from "zod";
import type { Notification, NotificationList, NotificationPreferences } from "../../contract/index.js";
import { api } from "../http/client.js";
import { formatRelative } from "../lib/format.js";
import { notifyError } from "../lib/notify.js";

const href = (n: Notification) =>
  n.object === "task" && n.recordId
    ? `/tasks?task=${n.recordId}`
    : n.object === "webhook" && n.recordId
      ? `/settings/webhooks?endpoint=${n.recordId}`
      : n.object && n.recordId
        ? `/${n.object === "company" ? "companies" : `${n.object}s`}/${n.recordId}`
        : null;

/** The header bell: unread count (polled), recent notifications, mark read, and the email preference. */
export function NotificationBell() {
  const qc = useQueryClient();
  const navigate = useNavigate();
  const [opened, setOpened] = useState(false);
  const count = useQuery({
    queryKey: ["notifications", "count"],
    queryFn: () => api.get<{ unreadCount: number }>("/api/v1/notifications/unread-count"),
    refetchInterval: 15_000,
    refetchIntervalInBackground: false,
  });
  const list = useQuery({
    queryKey: ["notifications", "list"],
    queryFn: () => api.get<z.infer<typeof NotificationList>>("/api/v1/notifications", { limit: 20 }),
    enabled: opened,
  });
  const prefs = useQuery({
    queryKey: ["notifications", "prefs"],
    queryFn: () => api.get<z.infer<typeof NotificationPreferences>>("/api/v1/notifications/preferences"),
    enabled: opened,
  });
  const refresh = () => void qc.invalidateQueries({ queryKey: ["notifications"] });
  const read = useMutation({ mutationFn: (body: unknown) => api.post("/api/v1/notifications/read", body), onSuccess: refresh, onError: (e) => notifyError(e) });
  const setPrefs = useMutation({
    mutationFn: (emailReminders: boolean) => api.put("/api/v1/notifications/preferences", { emailReminders }),
    onSuccess: refresh,
    onError: (e) => notifyError(e, "Could not save the preference"),
  });
  const unread = count.data?.unreadCount ?? 0;
  const open = (n: Notification) => {
    if (!n.readAt) read.mutate({ ids: [n.id] });
    const to = href(n);
    setOpened(false);
    if (to) void navigate({ to });
  };
  return (
    // The popover's target is the button itself: on the indicator's wrapper, the aria-expanded it adds is not allowed.
    <Indicator label={unread > 99 ? "99+" : unread} size={16} disabled={unread === 0} offset={4} color="red" data-testid="bell-count">
      <Popover opened={opened} onChange={setOpened} position="bottom-end" width={340} shadow="md" withinPortal>
        <Popover.Target>
          <ActionIcon variant="default" size="lg" onClick={() => setOpened((o) => !o)} aria-label={`Notifications (${unread} unread)`} data-testid="bell">
            <IconBell size={18} />
          </ActionIcon>
        </Popover.Target>
        <Popover.Dropdown p={0} data-testid="bell-dropdown">
          <Group justify="space-between" px="sm" py="xs">
            <Text fw={600}>Notifications</Text>
            <Button variant="subtle" size="compact-xs" disabled={unread === 0} onClick={() => read.mutate({ all: true })} data-testid="bell-read-all">
              Mark all read
            </Button>
          </Group>
          <Divider />
          <ScrollArea.Autosize mah={360}>
            {list.isPending ? (
              <Group justify="center" p="md">
                <Loader size="sm" />
              </Group>
            ) : list.isError ? (
              <Text c="red" p="sm" fz="sm">
                {list.error.message}
              </Text>
            ) : list.data.data.length === 0 ? (
              <Text c="dimmed" p="md" fz="sm">
                Nothing yet. Task reminders and tasks assigned to you appear here.
              </Text>
            ) : (
              <Stack gap={0}>
                {list.data.data.map((n) => (
                  <UnstyledButton
                    key={n.id}
                    onClick={() => open(n)}
                    px="sm"
                    py={8}
                    style={{
                      borderBottom: "1px solid var(--mantine-color-default-border)",
                      background: n.readAt ? undefined : "var(--mantine-color-blue-light)",
                    }}
                    data-testid="bell-item"
                  >
                    <Text fz="sm" fw={n.readAt ? 400 : 600} lineClamp={2}>
                      {n.title}
                    </Text>
                    <Text fz="xs" c="dimmed">
                      {formatRelative(n.createdAt)}
                    </Text>
                  </UnstyledButton>
                ))}
              </Stack>
            )}
          </ScrollArea.Autosize>
          <Divider />
          <Stack gap={4} p="sm">
            <Switch
              label="Also email me task reminders"
              checked={prefs.data?.emailReminders ?? false}
              disabled={!prefs.data || setPrefs.isPending}
              onChange={(e) => setPrefs.mutate(e.currentTarget.checked)}
              data-testid="pref-email"
            />
            {prefs.data && !prefs.data.emailConfigured && (
              <Text fz="xs" c="dimmed" data-testid="pref-email-unconfigured">
                Email is not configured on this server (SMTP_URL): reminder emails are kept unsent until an admin sets it up.
              </Text>
            )}
            <Anchor component={Link} to="/tasks" fz="xs" onClick={() => setOpened(false)}>
              Open my tasks
            </Anchor>
          </Stack>
        </Popover.Dropdown>
      </Popover>
    </Indicator>
  );
}
