import { Alert, Group, Stack, Text, Title } from "@mantine/core";
import { useDocumentTitle } from "@mantine/hooks";
import { IconLock } from "@tabler/icons-react";
import type { ReactNode } from "react";
import { usePermissions } from "../app/me.js";

export function SettingsPage({ title, description, actions, children }: { title: string; description: ReactNode; actions?: ReactNode; children: ReactNode }) {
  const { isAdmin } = usePermissions();
  useDocumentTitle(`${title} · Settings · Rapport`);
  return (
    <Stack gap="lg" maw={1100}>
      <Group justify="space-between" align="flex-end" gap="sm">
        <div>
          <Text fz="xs" c="dimmed" fw={600} tt="uppercase">
            Settings
          </Text>
          <Title order={2} fz={{ base: 22, sm: 26 }}>
            {title}
          </Title>
          <Text c="dimmed" fz="sm" mt={4} maw={640}>
            {description}
          </Text>
        </div>
        {isAdmin && actions}
      </Group>
      {isAdmin ? (
        children
      ) : (
        <Alert icon={<IconLock size={18} />} color="gray" variant="light" title="Admins only">
          Ask an admin of this workspace to change these settings.
        </Alert>
      )}
    </Stack>
  );
}
