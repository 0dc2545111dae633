import { Badge, Button, Group, Popover, Stack, Text } from "@mantine/core";
import { IconFilter } from "@tabler/icons-react";
import { useMemo, useState } from "react";
import type { Condition, ConditionGroup } from "../../contract/conditions.js";
import { fieldRegistry, type RegistryObject } from "../../contract/fields.js";
import type { CustomField, User } from "../../contract/index.js";
import { ConditionEditor, isComplete } from "../components/ConditionEditor.js";

interface Props {
  object: RegistryObject;
  customFields: CustomField[];
  value: Condition[];
  onChange: (filters: Condition[]) => void;
  users: User[];
}

/** The list's filter: the shared condition editor in a popover, applied on "Apply". All top-level conditions must match. */
export function FilterBuilder({ object, customFields, value, onChange, users }: Props) {
  const registry = useMemo(() => fieldRegistry(customFields), [customFields]);
  const [opened, setOpened] = useState(false);
  const [draft, setDraft] = useState<ConditionGroup>({ all: value });
  const [incomplete, setIncomplete] = useState(false);
  const open = () => {
    setDraft({ all: value });
    setIncomplete(false);
    setOpened(true);
  };
  const active = value.length;
  const apply = () => {
    if (!isComplete(draft)) {
      setIncomplete(true);
      return;
    }
    setIncomplete(false);
    // An "any" group at the top is kept as one condition; "all" is the list of conditions the page shows as chips.
    onChange("all" in draft ? draft.all : draft.any.length ? [draft] : []);
    setOpened(false);
  };

  return (
    <Popover opened={opened} onChange={setOpened} position="bottom-start" shadow="md" width={720} trapFocus withinPortal>
      <Popover.Target>
        <Button
          variant={active ? "light" : "default"}
          leftSection={<IconFilter size={16} />}
          rightSection={
            active ? (
              <Badge size="xs" circle>
                {active}
              </Badge>
            ) : undefined
          }
          onClick={() => (opened ? setOpened(false) : open())}
          data-testid="filter-button"
        >
          Filter
        </Button>
      </Popover.Target>
      <Popover.Dropdown maw="calc(100vw - 16px)" data-testid="filter-popover">
        <form
          onSubmit={(e) => {
            e.preventDefault();
            apply();
          }}
        >
          <Stack gap="sm">
            <Text fz="sm" fw={600}>
              Show records where
            </Text>
            <ConditionEditor
              object={object}
              registry={registry}
              value={draft}
              onChange={(d) => {
                setIncomplete(false);
                setDraft(d);
              }}
              users={users}
            />
            {incomplete && (
              <Text fz="xs" c="red" data-testid="filter-incomplete">
                Give every condition a value, or remove it.
              </Text>
            )}
            <Group justify="flex-end" gap="xs" mt={4}>
              {active > 0 && (
                <Button
                  variant="default"
                  size="xs"
                  onClick={() => {
                    onChange([]);
                    setOpened(false);
                  }}
                >
                  Clear all
                </Button>
              )}
              <Button size="xs" type="submit" data-testid="filter-apply" data-autofocus>
                Apply
              </Button>
            </Group>
          </Stack>
        </form>
      </Popover.Dropdown>
    </Popover>
  );
}
