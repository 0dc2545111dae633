import { Alert, Badge, Group, Stack, Text } from "@mantine/core";
import { useDebouncedValue } from "@mantine/hooks";
import { IconCopy } from "@tabler/icons-react";
import { keepPreviousData, useQuery } from "@tanstack/react-query";
import type { DuplicateMatch } from "../../contract/index.js";
import { AnchorLink } from "../components/links.js";
import { api } from "../http/client.js";

export interface DuplicateProbe {
  email?: string;
  phone?: string;
  firstName?: string;
  lastName?: string;
  companyId?: string | null;
  name?: string;
  domain?: string;
}

/**
 * "This may already exist": asks the server for likely duplicates of what is being typed (debounced)
 * and links to them. Renders nothing until there is something worth saying.
 */
export function DuplicateWarning({ object, values, excludeId }: { object: "contact" | "company"; values: DuplicateProbe; excludeId?: string }) {
  const probe = Object.fromEntries(Object.entries({ ...values, excludeId }).filter(([, v]) => typeof v === "string" && v.trim() !== "")) as Record<
    string,
    string
  >;
  const [debounced] = useDebouncedValue(probe, 400);
  const meaningful =
    object === "contact"
      ? Boolean(debounced.email?.includes("@") || (debounced.phone?.length ?? 0) >= 6 || `${debounced.firstName ?? ""}${debounced.lastName ?? ""}`.length >= 3)
      : Boolean((debounced.name?.length ?? 0) >= 3 || debounced.domain?.includes("."));
  const matches = useQuery<DuplicateMatch[]>({
    queryKey: ["duplicates", "check", object, debounced],
    queryFn: ({ signal }) => api.get<{ data: DuplicateMatch[] }>("/api/v1/duplicates/check", { object, ...debounced }, signal).then((r) => r.data),
    enabled: meaningful,
    placeholderData: keepPreviousData,
    staleTime: 10_000,
  });
  const data = meaningful ? (matches.data ?? []) : [];
  if (data.length === 0) return null;
  return (
    <Alert color="yellow" variant="light" icon={<IconCopy size={18} />} title="This may already exist" data-testid="duplicate-warning">
      <Stack gap={6}>
        {data.slice(0, 5).map((m) => (
          <Group key={m.id} gap={6} wrap="wrap">
            <AnchorLink
              to={object === "contact" ? "/contacts/$id" : "/companies/$id"}
              params={{ id: m.id }}
              target="_blank"
              fz="sm"
              fw={600}
              data-testid="duplicate-link"
            >
              {m.label}
            </AnchorLink>
            {m.detail && (
              <Text fz="xs" c="dimmed">
                {m.detail}
              </Text>
            )}
            {m.reasons.map((r) => (
              <Badge key={r} size="xs" variant="light" color="yellow">
                {r}
              </Badge>
            ))}
          </Group>
        ))}
        <Text fz="xs" c="dimmed">
          Open one to update it instead, or save anyway — duplicates can be merged later under Data quality.
        </Text>
      </Stack>
    </Alert>
  );
}
