import { Badge, Button, Card, Group, Loader, Stack, Text, Title } from "@mantine/core";
import { useDocumentTitle } from "@mantine/hooks";
import { IconDeviceDesktop, IconDeviceMobile, IconDeviceTablet, IconWorld } from "@tabler/icons-react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import type { SessionInfo } from "../../contract/index.js";
import { api } from "../http/client.js";
import { formatDateTime } from "../lib/dates.js";
import { notifyError, notifySuccess } from "../lib/notify.js";

const sessionsQuery = { queryKey: ["my-sessions"], queryFn: () => api.get<{ data: SessionInfo[] }>("/api/v1/auth/sessions") };

const deviceIcon = { desktop: IconDeviceDesktop, mobile: IconDeviceMobile, tablet: IconDeviceTablet, unknown: IconWorld };

/** My account → Sessions: where I am signed in, and signing out of any of them. */
export function SessionsPage() {
  useDocumentTitle("My sessions · Rapport");
  const qc = useQueryClient();
  const list = useQuery(sessionsQuery);
  // Ending this browser's own session signs out here too: reload to the sign-in page.
  const afterSignOut = (signedOutHere: boolean) => {
    if (signedOutHere) window.location.assign("/");
    else void qc.invalidateQueries({ queryKey: sessionsQuery.queryKey });
  };
  const one = useMutation({
    mutationFn: (s: SessionInfo) => api.del(`/api/v1/auth/sessions/${s.id}`).then(() => s.current),
    onSuccess: (current) => {
      notifySuccess("Signed out of that session");
      afterSignOut(current);
    },
    onError: (e) => notifyError(e, "Could not sign out that session"),
  });
  const everywhere = useMutation({
    mutationFn: (includeThisSession: boolean) =>
      api.post<{ signedOut: number }>("/api/v1/auth/sessions/sign-out-everywhere", { includeThisSession }).then((r) => ({ ...r, includeThisSession })),
    onSuccess: (r) => {
      notifySuccess(r.signedOut === 1 ? "Signed out of 1 session" : `Signed out of ${r.signedOut} sessions`);
      afterSignOut(r.includeThisSession);
    },
    onError: (e) => notifyError(e, "Could not sign out everywhere"),
  });
  const sessions = list.data?.data ?? [];
  const others = sessions.filter((s) => !s.current).length;

  return (
    <Stack gap="lg" maw={800}>
      <Group justify="space-between" align="flex-end">
        <div>
          <Text fz="xs" c="dimmed" fw={600} tt="uppercase">
            My account
          </Text>
          <Title order={2} fz={{ base: 22, sm: 26 }}>
            Sessions
          </Title>
          <Text c="dimmed" fz="sm" mt={4} maw={560}>
            The browsers and devices signed in to your account. If you see one you don't recognise, sign it out and change your password.
          </Text>
        </div>
        <Group gap="xs">
          <Button
            variant="default"
            disabled={others === 0}
            loading={everywhere.isPending && everywhere.variables === false}
            onClick={() => everywhere.mutate(false)}
            data-testid="sign-out-others"
          >
            Sign out all other sessions
          </Button>
          <Button
            color="red"
            variant="light"
            loading={everywhere.isPending && everywhere.variables === true}
            onClick={() => everywhere.mutate(true)}
            data-testid="sign-out-everywhere"
          >
            Sign out everywhere
          </Button>
        </Group>
      </Group>
      {list.isPending ? (
        <Loader type="dots" />
      ) : (
        <Stack gap="sm" data-testid="sessions-list">
          {sessions.map((s) => {
            const Icon = deviceIcon[s.device];
            return (
              <Card key={s.id} withBorder radius="md" padding="md" data-testid="session-row">
                <Group justify="space-between" wrap="nowrap">
                  <Group wrap="nowrap" gap="md">
                    <Icon size={28} stroke={1.5} aria-hidden />
                    <div>
                      <Group gap="xs">
                        <Text fw={500}>
                          {s.browser} on {s.system}
                        </Text>
                        {s.current && (
                          <Badge size="sm" color="green" variant="light">
                            This session
                          </Badge>
                        )}
                        {s.method === "sso" && (
                          <Badge size="sm" variant="light">
                            Single sign-on
                          </Badge>
                        )}
                      </Group>
                      <Text fz="sm" c="dimmed">
                        {s.ip ? `${s.ip} · ` : ""}Signed in {formatDateTime(s.createdAt)} · Last active {formatDateTime(s.lastSeenAt)}
                      </Text>
                    </div>
                  </Group>
                  <Button variant="subtle" color="red" size="xs" onClick={() => one.mutate(s)} loading={one.isPending && one.variables?.id === s.id}>
                    Sign out
                  </Button>
                </Group>
              </Card>
            );
          })}
        </Stack>
      )}
    </Stack>
  );
}
