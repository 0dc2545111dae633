import { Button, Checkbox, Divider, Popover, ScrollArea, Stack, Text } from "@mantine/core";
import { IconColumns } from "@tabler/icons-react";
import type { ColumnDef } from "./types.js";

interface Props<T> {
  visibleFrom?: "xs" | "sm" | "md";
  all: ColumnDef<T>[];
  visible: string[];
  defaults: string[];
  onChange: (columns: string[]) => void;
}

export function ColumnChooser<T>({ all, visible, defaults, onChange, visibleFrom }: Props<T>) {
  const set = new Set(visible);
  const toggle = (id: string, on: boolean) => {
    const next = new Set(set);
    if (on) next.add(id);
    else next.delete(id);
    onChange(all.filter((c) => next.has(c.id)).map((c) => c.id));
  };
  const builtIn = all.filter((c) => !c.id.startsWith("custom."));
  const custom = all.filter((c) => c.id.startsWith("custom."));
  const box = (c: ColumnDef<T>) => (
    <Checkbox
      key={c.id}
      label={c.label}
      checked={set.has(c.id) || Boolean(c.fixed)}
      disabled={c.fixed}
      onChange={(e) => toggle(c.id, e.currentTarget.checked)}
      size="sm"
      data-testid={`column-toggle-${c.id}`}
    />
  );
  return (
    <Popover position="bottom-end" shadow="md" width={240} withinPortal>
      <Popover.Target>
        <Button variant="default" leftSection={<IconColumns size={16} />} data-testid="columns-button" visibleFrom={visibleFrom}>
          Columns
        </Button>
      </Popover.Target>
      <Popover.Dropdown p="xs">
        <ScrollArea.Autosize mah={380} type="auto">
          <Stack gap={8} p={4}>
            {builtIn.map(box)}
            {custom.length > 0 && (
              <>
                <Divider label="Custom fields" labelPosition="left" />
                {custom.map(box)}
              </>
            )}
          </Stack>
        </ScrollArea.Autosize>
        <Divider my="xs" />
        <Button variant="subtle" size="xs" fullWidth onClick={() => onChange(defaults)}>
          Reset to default columns
        </Button>
        <Text fz="xs" c="dimmed" ta="center" mt={4}>
          Save a view to keep this layout.
        </Text>
      </Popover.Dropdown>
    </Popover>
  );
}
