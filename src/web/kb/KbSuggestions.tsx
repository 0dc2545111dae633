import { Badge, Button, Card, Group, Stack, Text } from "@mantine/core";
import { useDebouncedValue } from "@mantine/hooks";
import { IconBook } from "@tabler/icons-react";
import { useQuery } from "@tanstack/react-query";
import type { ArticleSummary } from "../../contract/index.js";
import { AnchorLink } from "../components/links.js";
import { absoluteUrl, suggestionsQuery } from "./api.js";

/**
 * Articles that may answer a ticket, from its subject and text; a public one's help-centre link can go into the
 * reply being written. The ticket page mounts it beside the conversation.
 */
export function KbSuggestions({ text, onInsertLink }: { text: string; onInsertLink?: (url: string, article: ArticleSummary) => void }) {
  const [debounced] = useDebouncedValue(text, 400);
  const suggestions = useQuery(suggestionsQuery(debounced));
  const list = suggestions.data ?? [];
  return (
    <Card withBorder radius="md" padding="sm" data-testid="kb-suggestions">
      <Group gap={6} mb={6}>
        <IconBook size={16} />
        <Text fw={600} fz="sm">
          Suggested articles
        </Text>
      </Group>
      {list.length === 0 ? (
        <Text fz="xs" c="dimmed">
          {suggestions.isFetching ? "Looking…" : "No published article matches this ticket's words yet."}
        </Text>
      ) : (
        <Stack gap={8}>
          {list.map((a) => (
            <Stack key={a.id} gap={2} data-testid="kb-suggestion">
              <Group gap={6} wrap="nowrap" justify="space-between">
                <AnchorLink to="/kb/$id" params={{ id: a.id }} fz="sm" fw={500} lineClamp={1}>
                  {a.title}
                </AnchorLink>
                {a.visibility === "internal" && (
                  <Badge size="xs" variant="outline" color="gray">
                    Internal
                  </Badge>
                )}
              </Group>
              <Text fz="xs" c="dimmed" lineClamp={2}>
                {a.excerpt}
              </Text>
              {onInsertLink && a.publicUrl && (
                <Button
                  size="compact-xs"
                  variant="subtle"
                  w="fit-content"
                  onClick={() => onInsertLink(absoluteUrl(a.publicUrl as string), a)}
                  data-testid="insert-article-link"
                >
                  Insert link in reply
                </Button>
              )}
            </Stack>
          ))}
        </Stack>
      )}
    </Card>
  );
}
