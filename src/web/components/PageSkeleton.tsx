import { Group, Skeleton, Stack } from "@mantine/core";

export function PageSkeleton() {
  return (
    <Stack gap="md" data-testid="page-skeleton" aria-busy="true" aria-label="Loading">
      <Group justify="space-between">
        <Skeleton h={30} w={180} />
        <Skeleton h={34} w={120} />
      </Group>
      <Skeleton h={36} />
      {Array.from({ length: 8 }, (_, i) => (
        // biome-ignore lint/suspicious/noArrayIndexKey: static placeholder rows
        <Skeleton key={i} h={28} opacity={1 - i * 0.1} />
      ))}
    </Stack>
  );
}
