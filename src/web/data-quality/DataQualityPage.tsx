import {
  ActionIcon,
  Alert,
  Badge,
  Button,
  Card,
  Checkbox,
  Group,
  Modal,
  NumberInput,
  SegmentedControl,
  Select,
  Skeleton,
  Stack,
  Table,
  Tabs,
  TagsInput,
  Text,
  TextInput,
  Title,
} from "@mantine/core";
import { useDocumentTitle, useMediaQuery } from "@mantine/hooks";
import { IconCopy, IconEdit, IconGitMerge, IconPlus, IconRadar, IconShieldCheck, IconTrash, IconX } from "@tabler/icons-react";
import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useState } from "react";
import type { z } from "zod";
import type { Condition } from "../../contract/conditions.js";
import {
  CreateValidationRuleBody,
  type DuplicateCandidate,
  type DuplicateScanResult,
  type RuleObject,
  ruleFields,
  type ValidationObject,
  type ValidationRule,
} from "../../contract/index.js";
import { usePermissions } from "../app/me.js";
import { ConditionField } from "../components/ConditionField.js";
import { ConfirmModal } from "../components/ConfirmModal.js";
import { EmptyHint } from "../components/EmptyHint.js";
import { AnchorLink } from "../components/links.js";
import { api } from "../http/client.js";
import { customFieldsQuery } from "../http/queries.js";
import { useFormErrors } from "../lib/form.js";
import { humanize } from "../lib/format.js";
import { notifyError, notifySuccess } from "../lib/notify.js";
import { MergeModal } from "./MergeModal.js";

type ObjectFilter = RuleObject | "all";

export function DataQualityPage() {
  useDocumentTitle("Data quality · Rapport");
  return (
    <Stack gap="lg" maw={1100}>
      <div>
        <Title order={2} fz={{ base: 22, sm: 26 }}>
          Data quality
        </Title>
        <Text c="dimmed" fz="sm" mt={4} maw={640}>
          Find and merge duplicate contacts and companies, and set the rules every new or edited record must follow.
        </Text>
      </div>
      <Tabs defaultValue="duplicates" keepMounted={false}>
        <Tabs.List>
          <Tabs.Tab value="duplicates" leftSection={<IconCopy size={16} />} data-testid="tab-duplicates">
            Duplicates
          </Tabs.Tab>
          <Tabs.Tab value="rules" leftSection={<IconShieldCheck size={16} />} data-testid="tab-rules">
            Validation rules
          </Tabs.Tab>
        </Tabs.List>
        <Tabs.Panel value="duplicates" pt="md">
          <DuplicateQueue />
        </Tabs.Panel>
        <Tabs.Panel value="rules" pt="md">
          <RulesEditor />
        </Tabs.Panel>
      </Tabs>
    </Stack>
  );
}

// Duplicates

type Page = { data: DuplicateCandidate[]; nextCursor: string | null; open: number };

function DuplicateQueue() {
  const { canWrite } = usePermissions();
  const [object, setObject] = useState<ObjectFilter>("all");
  const [merging, setMerging] = useState<DuplicateCandidate | null>(null);
  const [lastScan, setLastScan] = useState<z.infer<typeof DuplicateScanResult> | null>(null);
  const qc = useQueryClient();
  const queue = useInfiniteQuery({
    queryKey: ["duplicates", "queue", object],
    queryFn: ({ pageParam, signal }) =>
      api.get<Page>("/api/v1/duplicates", { object: object === "all" ? undefined : object, cursor: pageParam, limit: 30 }, signal),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (p) => p.nextCursor ?? undefined,
  });
  const scan = useMutation({
    mutationFn: () => api.post<z.infer<typeof DuplicateScanResult>>("/api/v1/duplicates/scan", object === "all" ? {} : { object }),
    onSuccess: (r) => {
      setLastScan(r);
      void qc.invalidateQueries({ queryKey: ["duplicates"] });
    },
    onError: (e) => notifyError(e, "The scan failed"),
  });
  const dismiss = useMutation({
    mutationFn: (c: DuplicateCandidate) => api.post(`/api/v1/duplicates/${c.id}/dismiss`, {}),
    onSuccess: () => {
      void qc.invalidateQueries({ queryKey: ["duplicates"] });
      notifySuccess("Marked as not a duplicate");
    },
    onError: (e) => notifyError(e, "Could not dismiss"),
  });
  const isPhone = useMediaQuery("(max-width: 48em)");
  const rows = queue.data?.pages.flatMap((p) => p.data) ?? [];
  const open = queue.data?.pages[0]?.open ?? 0;
  const link = (c: DuplicateCandidate, side: "a" | "b") => (
    <Stack gap={0} style={{ minWidth: 0 }}>
      <AnchorLink to={c.object === "contact" ? "/contacts/$id" : "/companies/$id"} params={{ id: c[side].id }} fz="sm" fw={600} truncate="end">
        {c[side].label}
      </AnchorLink>
      <Text fz="xs" c="dimmed" truncate="end">
        {c[side].detail ?? "—"}
      </Text>
    </Stack>
  );

  const scoreBadge = (c: DuplicateCandidate) => (
    <Badge color={c.score >= 0.9 ? "red" : c.score >= 0.75 ? "orange" : "yellow"} variant="light" style={{ flexShrink: 0 }}>
      {Math.round(c.score * 100)}%
    </Badge>
  );
  const reasonBadges = (c: DuplicateCandidate) => (
    <Group gap={4}>
      {c.reasons.map((r) => (
        <Badge key={r} size="xs" variant="default" style={{ textTransform: "none" }}>
          {r}
        </Badge>
      ))}
    </Group>
  );
  const actions = (c: DuplicateCandidate) => (
    <Group gap={6} wrap="nowrap" justify={isPhone ? "flex-start" : "flex-end"}>
      <Button size="xs" leftSection={<IconGitMerge size={14} />} onClick={() => setMerging(c)} data-testid="duplicate-merge">
        Merge
      </Button>
      <Button
        size="xs"
        variant="default"
        leftSection={<IconX size={14} />}
        onClick={() => dismiss.mutate(c)}
        loading={dismiss.isPending && dismiss.variables?.id === c.id}
        data-testid="duplicate-dismiss"
      >
        Not a duplicate
      </Button>
    </Group>
  );

  return (
    <Stack gap="md">
      <Group justify="space-between" gap="sm" wrap="wrap">
        <SegmentedControl
          value={object}
          onChange={(v) => setObject(v as ObjectFilter)}
          data={[
            { value: "all", label: "All" },
            { value: "contact", label: "Contacts" },
            { value: "company", label: "Companies" },
          ]}
          data-testid="duplicates-object"
        />
        {canWrite && (
          <Button leftSection={<IconRadar size={16} />} onClick={() => scan.mutate()} loading={scan.isPending} data-testid="scan-duplicates">
            Scan for duplicates
          </Button>
        )}
      </Group>
      {scan.isPending && (
        <Alert color="blue" variant="light" title="Scanning…">
          Comparing records that share an email, a phone, a domain, a company or the start of a name. Large workspaces take a few seconds.
        </Alert>
      )}
      {lastScan && !scan.isPending && (
        <Alert color="teal" variant="light" withCloseButton onClose={() => setLastScan(null)} title="Scan finished" data-testid="scan-result">
          {lastScan.phases
            .map((p) => `${p.object === "contact" ? "Contacts" : "Companies"}: ${p.pairs} likely pair${p.pairs === 1 ? "" : "s"} (${p.newPairs} new)`)
            .join(" · ")}{" "}
          — {(lastScan.ms / 1000).toFixed(1)} s. {lastScan.open} open in the queue.
        </Alert>
      )}
      {queue.isError ? (
        <Alert color="red" title="Could not load the review queue">
          {(queue.error as Error).message}{" "}
          <Button size="xs" variant="subtle" onClick={() => queue.refetch()}>
            Try again
          </Button>
        </Alert>
      ) : queue.isPending ? (
        <Stack gap="xs" data-testid="duplicates-loading">
          {[0, 1, 2].map((i) => (
            <Skeleton key={i} h={56} radius="md" />
          ))}
        </Stack>
      ) : rows.length === 0 ? (
        <EmptyHint
          icon={<IconCopy size={28} />}
          title="No duplicates to review"
          description={
            canWrite
              ? "Run a scan to look for contacts sharing an email or phone, similar names at the same company, and companies sharing a domain or a name."
              : "Nothing is waiting for review."
          }
          actionLabel={canWrite ? "Scan for duplicates" : undefined}
          onAction={canWrite ? () => scan.mutate() : undefined}
        />
      ) : (
        <Card withBorder radius="md" padding={0}>
          <Group px="md" py="xs" justify="space-between">
            <Text fz="sm" c="dimmed" data-testid="duplicates-open">
              {open} open pair{open === 1 ? "" : "s"}, most likely first
            </Text>
          </Group>
          {isPhone ? (
            <Stack gap={0}>
              {rows.map((c) => (
                <Stack key={c.id} gap={8} p="md" style={{ borderTop: "1px solid var(--mantine-color-default-border)" }} data-testid="duplicate-row">
                  <Group justify="space-between" wrap="nowrap" align="flex-start">
                    <Stack gap={6} style={{ minWidth: 0 }}>
                      {link(c, "a")}
                      {link(c, "b")}
                    </Stack>
                    {scoreBadge(c)}
                  </Group>
                  {reasonBadges(c)}
                  {canWrite && actions(c)}
                </Stack>
              ))}
            </Stack>
          ) : (
            <Table.ScrollContainer minWidth={860}>
              <Table verticalSpacing="sm" horizontalSpacing="md" layout="fixed" data-testid="duplicates-table">
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th w={84}>Score</Table.Th>
                    <Table.Th>Record</Table.Th>
                    <Table.Th>Possible duplicate</Table.Th>
                    <Table.Th w={220}>Why</Table.Th>
                    {canWrite && <Table.Th w={300} />}
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {rows.map((c) => (
                    <Table.Tr key={c.id} data-testid="duplicate-row">
                      <Table.Td>{scoreBadge(c)}</Table.Td>
                      <Table.Td>{link(c, "a")}</Table.Td>
                      <Table.Td>{link(c, "b")}</Table.Td>
                      <Table.Td>{reasonBadges(c)}</Table.Td>
                      {canWrite && <Table.Td>{actions(c)}</Table.Td>}
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
            </Table.ScrollContainer>
          )}
          {queue.hasNextPage && (
            <Group justify="center" p="sm">
              <Button variant="subtle" onClick={() => queue.fetchNextPage()} loading={queue.isFetchingNextPage}>
                Show more
              </Button>
            </Group>
          )}
        </Card>
      )}
      <MergeModal
        object={merging?.object ?? "contact"}
        ids={merging ? [merging.a.id, merging.b.id] : null}
        opened={merging !== null}
        onClose={() => setMerging(null)}
      />
    </Stack>
  );
}

// Validation rules

const ruleObjectTitles: Record<ValidationObject, string> = { contact: "Contacts", company: "Companies", deal: "Deals" };

type RuleDraft = {
  object: ValidationObject;
  field: string;
  required: boolean;
  pattern: string;
  message: string;
  allowedValues: string[];
  min: number | "";
  max: number | "";
  when: Condition;
};

function describeRule(r: ValidationRule): string[] {
  const parts: string[] = [];
  if (r.required) parts.push("required");
  if (r.pattern) parts.push(`matches /${r.pattern}/`);
  if (r.allowedValues.length) parts.push(`one of ${r.allowedValues.join(", ")}`);
  if (r.min != null && r.max != null) parts.push(`between ${r.min} and ${r.max}`);
  else if (r.min != null) parts.push(`at least ${r.min}`);
  else if (r.max != null) parts.push(`at most ${r.max}`);
  return parts;
}

function RulesEditor() {
  const { isAdmin } = usePermissions();
  const [editing, setEditing] = useState<ValidationRule | "new" | null>(null);
  const [deleting, setDeleting] = useState<ValidationRule | null>(null);
  const qc = useQueryClient();
  const rules = useQuery({
    queryKey: ["validation-rules"],
    queryFn: () => api.get<{ data: ValidationRule[] }>("/api/v1/validation-rules").then((r) => r.data),
  });
  const contactFields = useQuery(customFieldsQuery("contact"));
  const companyFields = useQuery(customFieldsQuery("company"));
  const dealFields = useQuery(customFieldsQuery("deal"));
  const labelOf = (r: { object: ValidationObject; field: string }) => {
    if (r.field.startsWith("custom.")) {
      const defs = (r.object === "contact" ? contactFields.data : r.object === "company" ? companyFields.data : dealFields.data) ?? [];
      return defs.find((d) => `custom.${d.key}` === r.field)?.label ?? humanize(r.field.slice(7));
    }
    return humanize(r.field.replace(".", " "));
  };
  const remove = useMutation({
    mutationFn: (r: ValidationRule) => api.del(`/api/v1/validation-rules/${r.id}`),
    onSuccess: () => {
      void qc.invalidateQueries({ queryKey: ["validation-rules"] });
      setDeleting(null);
      notifySuccess("Rule removed");
    },
    onError: (e) => notifyError(e, "Could not remove the rule"),
  });

  return (
    <Stack gap="md">
      <Group justify="space-between" gap="sm">
        <Text fz="sm" c="dimmed" maw={620}>
          Checked on every save — forms, the API, bulk edits and imports — and shown next to the field that breaks them.
        </Text>
        {isAdmin && (
          <Button leftSection={<IconPlus size={16} />} onClick={() => setEditing("new")} data-testid="add-rule">
            Add rule
          </Button>
        )}
      </Group>
      {rules.isError ? (
        <Alert color="red" title="Could not load the rules">
          {(rules.error as Error).message}
        </Alert>
      ) : rules.isPending ? (
        <Skeleton h={120} radius="md" />
      ) : rules.data.length === 0 ? (
        <EmptyHint
          icon={<IconShieldCheck size={28} />}
          title="No validation rules yet"
          description="Make a field required, give it a format (such as a VAT number pattern), limit it to a list of values, or set a range."
          actionLabel={isAdmin ? "Add a rule" : undefined}
          onAction={isAdmin ? () => setEditing("new") : undefined}
        />
      ) : (
        <Card withBorder radius="md" padding={0}>
          <Table.ScrollContainer minWidth={520}>
            <Table verticalSpacing="sm" horizontalSpacing="md" data-testid="rules-table">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>Field</Table.Th>
                  <Table.Th>Rule</Table.Th>
                  <Table.Th>Message</Table.Th>
                  {isAdmin && <Table.Th w={90} />}
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {rules.data.map((r) => (
                  <Table.Tr key={r.id} data-testid="rule-row">
                    <Table.Td>
                      <Text fz="sm" fw={500}>
                        {labelOf(r)}
                      </Text>
                      <Text fz="xs" c="dimmed">
                        {ruleObjectTitles[r.object]}
                      </Text>
                    </Table.Td>
                    <Table.Td>
                      <Group gap={4}>
                        {describeRule(r).map((p) => (
                          <Badge key={p} size="sm" variant="light" style={{ textTransform: "none" }}>
                            {p}
                          </Badge>
                        ))}
                      </Group>
                    </Table.Td>
                    <Table.Td>
                      <Text fz="sm" c="dimmed" lineClamp={2}>
                        {r.message ?? "—"}
                      </Text>
                    </Table.Td>
                    {isAdmin && (
                      <Table.Td>
                        <Group gap={4} wrap="nowrap">
                          <ActionIcon variant="subtle" color="gray" aria-label={`Edit rule on ${labelOf(r)}`} onClick={() => setEditing(r)}>
                            <IconEdit size={16} />
                          </ActionIcon>
                          <ActionIcon variant="subtle" color="red" aria-label={`Remove rule on ${labelOf(r)}`} onClick={() => setDeleting(r)}>
                            <IconTrash size={16} />
                          </ActionIcon>
                        </Group>
                      </Table.Td>
                    )}
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        </Card>
      )}
      <Modal opened={editing !== null} onClose={() => setEditing(null)} title={<Text fw={650}>{editing === "new" ? "New validation rule" : "Edit rule"}</Text>}>
        {editing !== null && <RuleForm rule={editing === "new" ? null : editing} labelOf={labelOf} onDone={() => setEditing(null)} />}
      </Modal>
      <ConfirmModal
        opened={deleting !== null}
        onClose={() => setDeleting(null)}
        onConfirm={() => deleting && remove.mutate(deleting)}
        title="Remove this rule?"
        confirmLabel="Remove rule"
        loading={remove.isPending}
      >
        Records are no longer checked against it. Existing values stay as they are.
      </ConfirmModal>
    </Stack>
  );
}

function RuleForm({
  rule,
  labelOf,
  onDone,
}: {
  rule: ValidationRule | null;
  labelOf: (r: { object: ValidationObject; field: string }) => string;
  onDone: () => void;
}) {
  const qc = useQueryClient();
  const errors = useFormErrors();
  const [d, setD] = useState<RuleDraft>(() => ({
    object: rule?.object ?? "contact",
    field: rule?.field ?? "",
    required: rule?.required ?? false,
    pattern: rule?.pattern ?? "",
    message: rule?.message ?? "",
    allowedValues: rule?.allowedValues ?? [],
    min: rule?.min ?? "",
    max: rule?.max ?? "",
    when: rule?.when ?? { all: [] },
  }));
  const custom = useQuery(customFieldsQuery(d.object));
  const fieldOptions = [
    ...ruleFields[d.object].map((f) => ({ value: f, label: labelOf({ object: d.object, field: f }) })),
    ...(custom.data ?? []).map((f) => ({ value: `custom.${f.key}`, label: `${f.label} (custom)` })),
  ];
  const set = <K extends keyof RuleDraft>(k: K, v: RuleDraft[K]) => {
    setD((p) => ({ ...p, [k]: v }));
    errors.clear(String(k));
  };
  const save = useMutation({
    mutationFn: (body: Record<string, unknown>) => (rule ? api.patch(`/api/v1/validation-rules/${rule.id}`, body) : api.post("/api/v1/validation-rules", body)),
    onSuccess: () => {
      void qc.invalidateQueries({ queryKey: ["validation-rules"] });
      notifySuccess(rule ? "Rule saved" : "Rule added");
      onDone();
    },
    onError: (e) => errors.fromServer(e, "Could not save the rule"),
  });
  function submit(e: FormEvent) {
    e.preventDefault();
    const body = {
      object: d.object,
      field: d.field,
      required: d.required,
      pattern: d.pattern.trim() || null,
      message: d.message.trim() || null,
      allowedValues: d.allowedValues,
      min: d.min === "" ? null : d.min,
      max: d.max === "" ? null : d.max,
      when: d.when,
    };
    const parsed = errors.validate(CreateValidationRuleBody.safeParse(body));
    if (!parsed) return;
    if (d.pattern.trim()) {
      try {
        new RegExp(d.pattern.trim(), "u");
      } catch {
        errors.setErrors({ pattern: "Not a valid regular expression" });
        return;
      }
    }
    const { object: _o, field: _f, ...changes } = body;
    save.mutate(rule ? changes : body);
  }
  return (
    <form onSubmit={submit} noValidate data-testid="rule-form">
      <Stack gap="sm">
        <SegmentedControl
          value={d.object}
          onChange={(v) => setD((p) => ({ ...p, object: v as ValidationObject, field: "" }))}
          disabled={rule !== null}
          data={(Object.keys(ruleObjectTitles) as ValidationObject[]).map((k) => ({ value: k, label: ruleObjectTitles[k] }))}
        />
        <Select
          label="Field"
          data={fieldOptions}
          value={d.field || null}
          onChange={(v) => set("field", v ?? "")}
          searchable
          disabled={rule !== null}
          error={errors.get("field")}
          data-testid="rule-field"
        />
        <Checkbox label="Required" checked={d.required} onChange={(e) => set("required", e.currentTarget.checked)} data-testid="rule-required" />
        <TextInput
          label="Format (regular expression)"
          description="The whole value must match, e.g. DE[0-9]{9} for a German VAT number"
          value={d.pattern}
          onChange={(e) => set("pattern", e.currentTarget.value)}
          error={errors.get("pattern")}
          styles={{ input: { fontFamily: "var(--mantine-font-family-monospace)" } }}
          data-testid="rule-pattern"
        />
        <TagsInput
          label="Allowed values"
          description="Press Enter after each value"
          value={d.allowedValues}
          onChange={(v) => set("allowedValues", v)}
          error={errors.get("allowedValues")}
        />
        <Group grow>
          <NumberInput
            label="Min"
            description="Number, or length of text"
            value={d.min}
            onChange={(v) => set("min", v === "" ? "" : Number(v))}
            error={errors.get("min")}
          />
          <NumberInput
            label="Max"
            description="Number, or length of text"
            value={d.max}
            onChange={(v) => set("max", v === "" ? "" : Number(v))}
            error={errors.get("max")}
          />
        </Group>
        <Text fz="sm" fw={500}>
          Applies to records where
        </Text>
        <ConditionField
          object={d.object}
          value={d.when}
          onChange={(when) => set("when", when)}
          errors={errors.errors}
          path="when"
          allowRelated={false}
          maxDepth={2}
        />
        <TextInput
          label="Message"
          description="Shown next to the field when a value breaks the rule"
          value={d.message}
          onChange={(e) => set("message", e.currentTarget.value)}
          error={errors.get("message")}
          data-testid="rule-message"
        />
        {errors.get("required") && (
          <Text fz="sm" c="red">
            {errors.get("required")}
          </Text>
        )}
        <Group justify="flex-end" mt="xs">
          <Button variant="default" onClick={onDone}>
            Cancel
          </Button>
          <Button type="submit" loading={save.isPending} data-testid="rule-save">
            {rule ? "Save rule" : "Add rule"}
          </Button>
        </Group>
      </Stack>
    </form>
  );
}
