import { Stack, Text } from "@mantine/core";
import type { ReactNode } from "react";

export function FormSection({ title, description, children }: { title: string; description?: string; children: ReactNode }) {
  return (
    <Stack gap="sm">
      <div>
        <Text fw={600} fz="sm">
          {title}
        </Text>
        {description && (
          <Text fz="xs" c="dimmed">
            {description}
          </Text>
        )}
      </div>
      {children}
    </Stack>
  );
}
