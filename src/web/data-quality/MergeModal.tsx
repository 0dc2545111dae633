import { Alert, Badge, Button, Group, Modal, Radio, ScrollArea, Skeleton, Stack, Table, Text } from "@mantine/core";
import { useMediaQuery } from "@mantine/hooks";
import { IconArrowsExchange, IconGitMerge } from "@tabler/icons-react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect, useState } from "react";
import type { z } from "zod";
import { type LabelMap, labelOf, leadSourceLabels, leadStatusLabels, lifecycleStageLabels, type MergePreview, type RuleObject } from "../../contract/index.js";
import { api } from "../http/client.js";
import { useUserMap } from "../http/queries.js";
import { notifyError, notifySuccess } from "../lib/notify.js";

type Preview = z.infer<typeof MergePreview>;
type Field = Preview["fields"][number];
type Choice = "survivor" | "loser" | "union";

const isEmpty = (v: unknown) =>
  v === null || v === undefined || v === "" || (Array.isArray(v) && v.length === 0) || (typeof v === "object" && v !== null && Object.keys(v).length === 0);

/** Fields whose values are codes, shown by their labels. */
const valueLabels: Record<string, LabelMap> = { lifecycleStage: lifecycleStageLabels, leadSource: leadSourceLabels, leadStatus: leadStatusLabels };

function show(field: string, v: unknown, users: Map<string, { name: string }>, refs: Record<string, string>): string {
  if (isEmpty(v)) return "—";
  if (field === "ownerId" && typeof v === "string") return refs[v] ?? users.get(v)?.name ?? "another user";
  if ((field === "companyId" || field === "parentId") && typeof v === "string") return refs[v] ?? "a deleted company";
  const labels = valueLabels[field];
  if (labels && typeof v === "string") return labelOf(labels, v);
  if (field === "emails" && Array.isArray(v)) return v.map((e: { email: string }) => e.email).join(", ");
  if (field === "phones" && Array.isArray(v)) return v.map((p: { phone: string }) => p.phone).join(", ");
  if (Array.isArray(v)) return v.join(", ");
  if (typeof v === "object")
    return Object.values(v as Record<string, unknown>)
      .filter(Boolean)
      .join(", ");
  if (typeof v === "boolean") return v ? "Yes" : "No";
  return String(v);
}

/**
 * Side-by-side merge: the left record is kept (swap to keep the other), one radio per differing field,
 * lists (emails, phones, tags) united by default. The server moves every related record to the survivor.
 */
export function MergeModal({
  object,
  ids,
  opened,
  onClose,
  onMerged,
}: {
  object: RuleObject;
  ids: [string, string] | null;
  opened: boolean;
  onClose: () => void;
  onMerged?: () => void;
}) {
  const isPhone = useMediaQuery("(max-width: 48em)");
  const [swapped, setSwapped] = useState(false);
  const [choices, setChoices] = useState<Record<string, Choice>>({});
  const users = useUserMap();
  const qc = useQueryClient();
  const preview = useQuery({
    queryKey: ["duplicates", "merge-preview", object, ids],
    queryFn: () => api.get<Preview>("/api/v1/duplicates/merge-preview", { object, a: ids?.[0], b: ids?.[1] }),
    enabled: opened && ids !== null,
  });
  // biome-ignore lint/correctness/useExhaustiveDependencies: reset per pair
  useEffect(() => {
    setSwapped(false);
    setChoices({});
  }, [ids?.[0], ids?.[1]]);

  const p = preview.data;
  const survivor = p ? (swapped ? p.b : p.a) : null;
  const loser = p ? (swapped ? p.a : p.b) : null;
  const sv = (f: Field) => (swapped ? f.b : f.a);
  const lv = (f: Field) => (swapped ? f.a : f.b);
  const defaultChoice = (f: Field): Choice => (f.list ? "union" : isEmpty(sv(f)) && !isEmpty(lv(f)) ? "loser" : "survivor");
  const choiceOf = (f: Field) => choices[f.field] ?? defaultChoice(f);

  const merge = useMutation({
    mutationFn: () =>
      api.post<{ moved: Record<string, number> }>("/api/v1/duplicates/merge", {
        object,
        survivorId: survivor?.id,
        loserId: loser?.id,
        choices: Object.fromEntries((p?.fields ?? []).filter((f) => f.differs).map((f) => [f.field, choiceOf(f)])),
      }),
    onSuccess: (r) => {
      const moved = Object.entries(r.moved)
        .filter(([, n]) => n > 0)
        .map(([k, n]) => `${n} ${k.replace(/([A-Z])/g, " $1").toLowerCase()}`)
        .join(", ");
      notifySuccess(moved ? `Moved ${moved} to ${survivor?.label}.` : `Kept ${survivor?.label}.`, "Merged");
      void qc.invalidateQueries({ queryKey: ["duplicates"] });
      void qc.invalidateQueries({ queryKey: [object] });
      void qc.invalidateQueries({ queryKey: ["timeline"] });
      onMerged?.();
      onClose();
    },
    onError: (e) => notifyError(e, "Could not merge"),
  });

  const differing = p?.fields.filter((f) => f.differs) ?? [];
  return (
    <Modal
      opened={opened}
      onClose={onClose}
      size={isPhone ? "100%" : "xl"}
      fullScreen={isPhone}
      title={<Text fw={650}>Merge {object === "contact" ? "contacts" : "companies"}</Text>}
    >
      {preview.isPending && opened ? (
        <Stack>
          <Skeleton h={40} />
          <Skeleton h={200} />
        </Stack>
      ) : preview.isError ? (
        <Alert color="red" title="Could not load the records">
          {(preview.error as Error).message}
        </Alert>
      ) : p && survivor && loser ? (
        <Stack gap="md" data-testid="merge-modal">
          <Group justify="space-between" wrap="wrap" gap="xs">
            <Text fz="sm">
              Keep <b>{survivor.label}</b>; <b>{loser.label}</b> goes to the trash, and its activities, history
              {object === "company" ? ", contacts and child companies" : ""} move over.
            </Text>
            <Button variant="default" size="xs" leftSection={<IconArrowsExchange size={14} />} onClick={() => setSwapped((s) => !s)} data-testid="merge-swap">
              Keep the other one
            </Button>
          </Group>
          {survivor.deletedAt || loser.deletedAt ? (
            <Alert color="gray">One of these records is already in the trash.</Alert>
          ) : differing.length === 0 ? (
            <Alert color="gray">The two records hold the same values; merging keeps one and moves everything onto it.</Alert>
          ) : isPhone ? (
            <Stack gap="md" data-testid="merge-fields">
              {differing.map((f) => (
                <Stack key={f.field} gap={6}>
                  <Text fz="sm" fw={600}>
                    {f.label}
                  </Text>
                  {(["survivor", "loser"] as const).map((side) => (
                    <Radio
                      key={side}
                      name={`merge-${f.field}`}
                      checked={choiceOf(f) === side}
                      onChange={() => setChoices((c) => ({ ...c, [f.field]: side }))}
                      label={show(f.field, side === "survivor" ? sv(f) : lv(f), users, p.refs)}
                      description={side === "survivor" ? `from ${survivor.label} (kept)` : `from ${loser.label}`}
                      data-testid={`merge-${f.field}-${side}`}
                    />
                  ))}
                  {f.list && (
                    <Radio
                      name={`merge-${f.field}`}
                      label="Both"
                      checked={choiceOf(f) === "union"}
                      onChange={() => setChoices((c) => ({ ...c, [f.field]: "union" }))}
                    />
                  )}
                </Stack>
              ))}
            </Stack>
          ) : (
            <ScrollArea.Autosize mah={isPhone ? undefined : 420}>
              <Table verticalSpacing="xs" layout="fixed" data-testid="merge-fields">
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th w={isPhone ? 90 : 140}>Field</Table.Th>
                    <Table.Th>
                      {survivor.label}{" "}
                      <Badge size="xs" variant="light">
                        kept
                      </Badge>
                    </Table.Th>
                    <Table.Th>{loser.label}</Table.Th>
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {differing.map((f) => (
                    <Table.Tr key={f.field}>
                      <Table.Td>
                        <Text fz="sm" fw={500}>
                          {f.label}
                        </Text>
                        {f.list && (
                          <Radio
                            mt={4}
                            size="xs"
                            label="Both"
                            checked={choiceOf(f) === "union"}
                            onChange={() => setChoices((c) => ({ ...c, [f.field]: "union" }))}
                            name={`merge-${f.field}`}
                          />
                        )}
                      </Table.Td>
                      {(["survivor", "loser"] as const).map((side) => (
                        <Table.Td key={side}>
                          <Radio
                            size="sm"
                            styles={{ label: { wordBreak: "break-word" } }}
                            name={`merge-${f.field}`}
                            checked={choiceOf(f) === side}
                            onChange={() => setChoices((c) => ({ ...c, [f.field]: side }))}
                            label={show(f.field, side === "survivor" ? sv(f) : lv(f), users, p.refs)}
                            data-testid={`merge-${f.field}-${side}`}
                          />
                        </Table.Td>
                      ))}
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
            </ScrollArea.Autosize>
          )}
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>
              Cancel
            </Button>
            <Button
              leftSection={<IconGitMerge size={16} />}
              onClick={() => merge.mutate()}
              loading={merge.isPending}
              disabled={Boolean(survivor.deletedAt || loser.deletedAt)}
              data-testid="merge-confirm"
            >
              Merge
            </Button>
          </Group>
        </Stack>
      ) : null}
    </Modal>
  );
}
