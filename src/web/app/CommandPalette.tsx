import "@mantine/spotlight/styles.css";
import { Badge, Center, Group, Loader, Text } from "@mantine/core";
import { useDebouncedValue } from "@mantine/hooks";
import { Spotlight } from "@mantine/spotlight";
import { IconBuilding, IconLifebuoy, IconPlus, IconSearch, IconSettings, IconTrash, IconUser, IconUsers } from "@tabler/icons-react";
import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { useNavigate, useRouter } from "@tanstack/react-router";
import { useEffect, useState } from "react";
import type { SearchHit } from "../../contract/index.js";
import { api } from "../http/client.js";
import { usePermissions } from "./me.js";
import { paletteStore, selectFirstAction } from "./palette-store.js";

/** Ctrl/Cmd+K: typo-tolerant search over contacts and companies, plus quick navigation. */
export default function CommandPalette() {
  const [query, setQuery] = useState("");
  const [debounced] = useDebouncedValue(query.trim(), 180);
  const navigate = useNavigate();
  const router = useRouter();
  const { isAdmin, may } = usePermissions();

  const search = useQuery<SearchHit[]>({
    queryKey: ["search", debounced],
    queryFn: ({ signal }) => api.get<{ data: SearchHit[] }>("/api/v1/search", { q: debounced, limit: 12 }, signal).then((r) => r.data),
    enabled: debounced.length > 0,
    placeholderData: keepPreviousData,
    staleTime: 10_000,
  });

  const hits = debounced ? (search.data ?? []) : [];
  // Once results render, highlight the best match so Enter opens it.
  // biome-ignore lint/correctness/useExhaustiveDependencies: runs when the result set changes
  useEffect(() => {
    selectFirstAction();
  }, [search.data, debounced]);
  const contacts = hits.filter((h) => h.object === "contact");
  const companies = hits.filter((h) => h.object === "company");
  const tickets = hits.filter((h) => h.object === "ticket");

  const quick = [
    { id: "go-contacts", label: "Go to contacts", icon: <IconUsers size={18} />, run: () => navigate({ to: "/contacts" }) },
    { id: "go-companies", label: "Go to companies", icon: <IconBuilding size={18} />, run: () => navigate({ to: "/companies" }) },
    ...(may("contact", "create")
      ? [{ id: "new-contact", label: "New contact", icon: <IconPlus size={18} />, run: () => navigate({ to: "/contacts", search: { new: true } }) }]
      : []),
    ...(may("company", "create")
      ? [{ id: "new-company", label: "New company", icon: <IconPlus size={18} />, run: () => navigate({ to: "/companies", search: { new: true } }) }]
      : []),
    { id: "go-trash", label: "Open trash", icon: <IconTrash size={18} />, run: () => navigate({ to: "/trash" }) },
    ...(isAdmin ? [{ id: "go-settings", label: "Settings", icon: <IconSettings size={18} />, run: () => navigate({ to: "/settings/users" }) }] : []),
  ];

  const hitAction = (h: SearchHit) => (
    <Spotlight.Action
      key={`${h.object}:${h.id}`}
      onClick={() =>
        // The ticket page's route belongs to the tickets web app; the router's history reaches it without a typed route here.
        void (h.object === "contact"
          ? navigate({ to: "/contacts/$id", params: { id: h.id } })
          : h.object === "ticket"
            ? router.history.push(`/tickets/${h.id}`)
            : navigate({ to: "/companies/$id", params: { id: h.id } }))
      }
      leftSection={
        h.object === "contact" ? (
          <IconUser size={18} stroke={1.6} />
        ) : h.object === "ticket" ? (
          <IconLifebuoy size={18} stroke={1.6} />
        ) : (
          <IconBuilding size={18} stroke={1.6} />
        )
      }
      label={h.title}
      description={h.subtitle ?? undefined}
      rightSection={
        <Badge size="xs" variant="light" color={h.object === "contact" ? "indigo" : h.object === "ticket" ? "grape" : "teal"}>
          {h.object}
        </Badge>
      }
      data-testid="palette-result"
    />
  );

  return (
    <Spotlight.Root store={paletteStore} query={query} onQueryChange={setQuery} shortcut={null} scrollable maxHeight={440} size="lg">
      <Spotlight.Search
        placeholder="Search contacts, companies and tickets (#number)…"
        leftSection={search.isFetching ? <Loader size={16} /> : <IconSearch size={18} stroke={1.6} />}
        aria-label="Search contacts, companies and tickets"
        data-testid="palette-input"
      />
      <Spotlight.ActionsList>
        {!debounced && quick.map((a) => <Spotlight.Action key={a.id} label={a.label} leftSection={a.icon} onClick={() => void a.run()} />)}
        {contacts.length > 0 && <Spotlight.ActionsGroup label="Contacts">{contacts.map(hitAction)}</Spotlight.ActionsGroup>}
        {companies.length > 0 && <Spotlight.ActionsGroup label="Companies">{companies.map(hitAction)}</Spotlight.ActionsGroup>}
        {tickets.length > 0 && <Spotlight.ActionsGroup label="Tickets">{tickets.map(hitAction)}</Spotlight.ActionsGroup>}
        {debounced && !search.isPending && hits.length === 0 && !search.isError && (
          <Spotlight.Empty>
            <Text fz="sm" c="dimmed" ta="center">
              Nothing matches “{debounced}”. Search looks at names, emails, phone numbers, domains, and tickets by number or words.
            </Text>
          </Spotlight.Empty>
        )}
        {debounced && search.isPending && (
          <Center py="md">
            <Loader size="sm" />
          </Center>
        )}
        {search.isError && (
          <Spotlight.Empty>
            <Text fz="sm" c="red" ta="center">
              Search failed: {search.error.message}
            </Text>
          </Spotlight.Empty>
        )}
      </Spotlight.ActionsList>
      <Spotlight.Footer>
        <Group gap="md" justify="space-between">
          <Text fz="xs" c="dimmed">
            ↑↓ to move · Enter to open · Esc to close
          </Text>
        </Group>
      </Spotlight.Footer>
    </Spotlight.Root>
  );
}
