import { Button, Center, Stack, Text, Title } from "@mantine/core";
import { IconMoodEmpty } from "@tabler/icons-react";
import { type ErrorComponentProps, Link } from "@tanstack/react-router";
import { PageSkeleton } from "../components/PageSkeleton.js";

export function RoutePending() {
  return <PageSkeleton />;
}

export function RouteError({ error: raw, reset }: ErrorComponentProps) {
  const error = raw instanceof Error ? raw : new Error(String(raw));
  const chunkFailed = /dynamically imported module|Importing a module script failed|Failed to fetch/i.test(error.message);
  return (
    <Center py={80} px="md">
      <Stack align="center" gap="sm" maw={460} ta="center">
        <Title order={3}>{chunkFailed ? "Rapport was updated" : "This page failed to load"}</Title>
        <Text c="dimmed">{chunkFailed ? "Reload to get the latest version." : error.message}</Text>
        <Button onClick={() => (chunkFailed ? window.location.reload() : reset())}>{chunkFailed ? "Reload" : "Try again"}</Button>
      </Stack>
    </Center>
  );
}

export function NotFound() {
  return (
    <Center py={80} px="md">
      <Stack align="center" gap="sm" ta="center">
        <IconMoodEmpty size={40} stroke={1.5} color="var(--mantine-color-dimmed)" />
        <Title order={3}>Page not found</Title>
        <Text c="dimmed">The link may be broken, or the page may have moved.</Text>
        <Button component={Link} to="/contacts" variant="light">
          Go to contacts
        </Button>
      </Stack>
    </Center>
  );
}
