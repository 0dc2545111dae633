import { Badge, Group, Paper, Stack, Text, Title } from "@mantine/core";
import { useDocumentTitle } from "@mantine/hooks";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useMe } from "../app/me.js";
import { api } from "../http/client.js";
import { TotpDisable, TotpEnrolment } from "./TotpEnrolment.js";

/** My account: who I am, and my second factor (the password and it are mine in every workspace). */
export function AccountPage() {
  useDocumentTitle("My account · Rapport");
  const me = useMe();
  const qc = useQueryClient();
  const security = useQuery({
    queryKey: ["account-security"],
    queryFn: () => api.get<{ totpEnabled: boolean; recoveryCodesLeft: number }>("/api/v1/account/security"),
  });
  return (
    <Stack gap="lg" maw={720}>
      <div>
        <Title order={2} fz={{ base: 22, sm: 26 }}>
          My account
        </Title>
        <Text c="dimmed" fz="sm">
          {me.user.name} · {me.user.email}. Your password and two-step sign-in are the same in all your workspaces ({me.workspaces.length}).
        </Text>
      </div>
      <Paper withBorder p="lg" radius="md">
        <Stack gap="sm">
          <Group justify="space-between">
            <Title order={4}>Two-step sign-in</Title>
            {security.data && (
              <Badge color={security.data.totpEnabled ? "green" : "gray"} variant="light" data-testid="totp-status">
                {security.data.totpEnabled ? "On" : "Off"}
              </Badge>
            )}
          </Group>
          {security.data?.totpEnabled ? (
            <Stack gap="sm">
              <Text fz="sm" c="dimmed">
                Signing in asks for a code from your authenticator app. Recovery codes left: {security.data.recoveryCodesLeft}.
              </Text>
              <TotpDisable
                onDone={() => {
                  void qc.invalidateQueries({ queryKey: ["account-security"] });
                  void qc.invalidateQueries({ queryKey: ["me"] });
                }}
              />
            </Stack>
          ) : security.data ? (
            <TotpEnrolment onDone={() => void qc.invalidateQueries({ queryKey: ["account-security"] })} />
          ) : (
            <Text fz="sm" c="dimmed">
              Loading…
            </Text>
          )}
        </Stack>
      </Paper>
    </Stack>
  );
}
