import { ActionIcon, Button, Drawer, Group, NumberInput, Select, SimpleGrid, Stack, TagsInput, Text, Textarea, TextInput } from "@mantine/core";
import { useMediaQuery } from "@mantine/hooks";
import { IconPlus, IconTrash } from "@tabler/icons-react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useEffect, useState } from "react";
import { CreateDealBody, type Deal, dealContactRoles, dealSourceLabels, optionsOf, UpdateDealBody } from "../../contract/index.js";
import { useMe, usePermissions } from "../app/me.js";
import { CurrencySelect, useDefaultCurrency } from "../components/CurrencySelect.js";
import { CustomFieldInput, customPayload, validateCustom } from "../components/CustomFieldInput.js";
import { CompanyPicker, UserPicker } from "../components/pickers.js";
import { api } from "../http/client.js";
import { customFieldsQuery } from "../http/queries.js";
import { useFormErrors } from "../lib/form.js";
import { notifySuccess } from "../lib/notify.js";
import { lostReasonsQuery, pipelinesQuery, roleLabels } from "./api.js";
import { ContactPicker } from "./pickers.js";

interface Draft {
  name: string;
  pipelineId: string | null;
  stageId: string | null;
  amount: string;
  currency: string;
  expectedCloseDate: string;
  ownerId: string | null;
  companyId: string | null;
  companyName: string | null;
  contacts: { key: string; contactId: string | null; name: string | null; role: string }[];
  nextStep: string;
  source: string;
  lostReason: string | null;
  tags: string[];
  custom: Record<string, unknown>;
}

const draftFrom = (d: Deal | null, meId: string, defaults: Partial<Draft>): Draft => ({
  name: d?.name ?? "",
  pipelineId: d?.pipelineId ?? null,
  stageId: d?.stageId ?? null,
  amount: d?.amount ?? "",
  currency: d?.currency ?? "",
  expectedCloseDate: d?.expectedCloseDate ?? "",
  ownerId: d ? d.ownerId : meId,
  companyId: d?.companyId ?? null,
  companyName: d?.companyName ?? null,
  contacts: d?.contacts.map((c) => ({ key: c.contactId, contactId: c.contactId, name: c.name, role: c.role })) ?? [],
  nextStep: d?.nextStep ?? "",
  source: d?.source ?? "",
  lostReason: d?.lostReason ?? null,
  tags: d?.tags ?? [],
  custom: d?.custom ?? {},
  ...defaults,
});

/** Create or edit a deal. New deals default to the default pipeline's first open stage. */
export function DealFormDrawer({
  opened,
  onClose,
  deal,
  defaults = {},
  onSaved,
}: {
  opened: boolean;
  onClose: () => void;
  deal: Deal | null;
  defaults?: Partial<Draft>;
  onSaved?: (d: Deal) => void;
}) {
  const { fieldAccess } = usePermissions();
  const me = useMe();
  const qc = useQueryClient();
  const isPhone = useMediaQuery("(max-width: 48em)");
  const pipelines = useQuery(pipelinesQuery);
  const reasons = useQuery(lostReasonsQuery);
  const customFields = useQuery(customFieldsQuery("deal"));
  const errors = useFormErrors();
  const [draft, setDraft] = useState<Draft>(() => draftFrom(deal, me.user.id, defaults));
  // biome-ignore lint/correctness/useExhaustiveDependencies: reset only when the drawer opens
  useEffect(() => {
    if (opened) {
      setDraft(draftFrom(deal, me.user.id, defaults));
      errors.clear();
    }
  }, [opened]);
  const set = <K extends keyof Draft>(k: K, v: Draft[K]) => {
    setDraft((d) => ({ ...d, [k]: v }));
    errors.clear(String(k));
  };
  const pipeline = pipelines.data?.find((p) => p.id === draft.pipelineId) ?? pipelines.data?.find((p) => p.isDefault);
  const stage = pipeline?.stages.find((s) => s.id === draft.stageId);
  const followsLines = deal?.amountSource === "line_items";
  // A new deal shows, and so saves, the workspace's currency until another is chosen.
  const defaultCurrency = useDefaultCurrency();
  const currency = draft.currency || defaultCurrency || "";

  const save = useMutation({
    mutationFn: (body: unknown) => (deal ? api.patch<Deal>(`/api/v1/deals/${deal.id}`, body) : api.post<Deal>("/api/v1/deals", body)),
    onSuccess: (saved) => {
      qc.invalidateQueries({ queryKey: ["deals"] });
      qc.invalidateQueries({ queryKey: ["purchases"] });
      qc.invalidateQueries({ queryKey: ["tasks"] });
      notifySuccess(deal ? "Deal saved" : `Deal “${saved.name}” created`);
      onSaved?.(saved);
      onClose();
    },
    onError: (e) => errors.fromServer(e, "Could not save the deal"),
  });

  const submit = (e: FormEvent) => {
    e.preventDefault();
    const body: Record<string, unknown> = {
      name: draft.name,
      ...(draft.pipelineId ? { pipelineId: draft.pipelineId } : {}),
      ...(draft.stageId ? { stageId: draft.stageId } : {}),
      ...(followsLines ? {} : { amount: draft.amount === "" ? null : draft.amount }),
      ...(currency ? { currency } : {}),
      expectedCloseDate: draft.expectedCloseDate || null,
      ownerId: draft.ownerId,
      companyId: draft.companyId,
      contacts: draft.contacts.filter((c) => c.contactId).map((c) => ({ contactId: c.contactId, role: c.role })),
      nextStep: draft.nextStep || null,
      source: draft.source || null,
      tags: draft.tags,
      ...(stage?.type === "lost" && draft.lostReason ? { lostReason: draft.lostReason } : {}),
    };
    const custom = customPayload(customFields.data ?? [], draft.custom, Boolean(deal));
    if (Object.keys(custom).length) body.custom = custom;
    const customErrors = validateCustom(customFields.data ?? [], draft.custom);
    const parsed = (deal ? UpdateDealBody : CreateDealBody).safeParse(body);
    if (!parsed.success || Object.keys(customErrors).length) {
      if (!parsed.success) errors.validate(parsed);
      errors.setErrors((prev) => ({ ...prev, ...customErrors }));
      return;
    }
    if (stage?.type === "lost" && !draft.lostReason && deal?.stageId !== stage.id) {
      errors.setErrors({ lostReason: "Choose why the deal was lost" });
      return;
    }
    save.mutate(body);
  };

  const usedContacts = draft.contacts.map((c) => c.contactId).filter((x): x is string => Boolean(x));
  return (
    <Drawer
      opened={opened}
      onClose={onClose}
      position="right"
      size={isPhone ? "100%" : "lg"}
      title={<Text fw={600}>{deal ? "Edit deal" : "New deal"}</Text>}
      data-testid="deal-form"
    >
      <form onSubmit={submit} noValidate>
        <Stack gap="sm">
          <TextInput
            label="Deal name"
            required
            value={draft.name}
            onChange={(e) => set("name", e.currentTarget.value)}
            error={errors.get("name")}
            data-autofocus
            data-testid="deal-name"
          />
          <SimpleGrid cols={{ base: 1, xs: 2 }} spacing="sm">
            <Select
              label="Pipeline"
              data={(pipelines.data ?? []).map((p) => ({ value: p.id, label: p.name }))}
              value={pipeline?.id ?? null}
              onChange={(v) => setDraft((d) => ({ ...d, pipelineId: v, stageId: null }))}
              allowDeselect={false}
              error={errors.get("pipelineId")}
            />
            <Select
              label="Stage"
              data={(pipeline?.stages ?? []).map((s) => ({ value: s.id, label: `${s.name} · ${s.probability}%` }))}
              value={draft.stageId}
              onChange={(v) => set("stageId", v)}
              placeholder={pipeline?.stages.find((s) => s.type === "open")?.name ?? "First stage"}
              error={errors.get("stageId")}
              data-testid="deal-stage"
            />
          </SimpleGrid>
          {stage?.type === "lost" && (
            <Select
              label="Lost reason"
              required
              data={[...new Set([...(reasons.data ?? []).map((r) => r.name), ...(draft.lostReason ? [draft.lostReason] : [])])]}
              value={draft.lostReason}
              onChange={(v) => set("lostReason", v)}
              error={errors.get("lostReason")}
              data-testid="deal-lost-reason"
            />
          )}
          <SimpleGrid cols={{ base: 2 }} spacing="sm">
            <NumberInput
              label="Amount"
              value={draft.amount}
              onChange={(v) => set("amount", v === "" ? "" : String(v))}
              min={0}
              decimalScale={2}
              thousandSeparator=","
              disabled={followsLines}
              description={followsLines ? "Follows the line items" : undefined}
              error={errors.get("amount")}
              data-testid="deal-amount"
            />
            <CurrencySelect label="Currency" value={currency} onChange={(v) => set("currency", v)} error={errors.get("currency")} data-testid="deal-currency" />
          </SimpleGrid>
          <SimpleGrid cols={{ base: 1, xs: 2 }} spacing="sm">
            <TextInput
              type="date"
              label="Expected close date"
              value={draft.expectedCloseDate}
              onChange={(e) => set("expectedCloseDate", e.currentTarget.value)}
              error={errors.get("expectedCloseDate")}
              data-testid="deal-close-date"
            />
            <UserPicker label="Owner" value={draft.ownerId} onChange={(v) => set("ownerId", v)} error={errors.get("ownerId")} />
          </SimpleGrid>
          <CompanyPicker
            label="Company"
            value={draft.companyId}
            valueLabel={draft.companyName}
            onChange={(id, name) => setDraft((d) => ({ ...d, companyId: id, companyName: name }))}
            error={errors.get("companyId")}
          />
          <Stack gap={6}>
            <Text fz="sm" fw={500}>
              Contacts and their roles
            </Text>
            {draft.contacts.length === 0 && (
              <Text fz="xs" c="dimmed">
                Who is involved? Add the decision maker, the champion, the users…
              </Text>
            )}
            {draft.contacts.map((c, i) => (
              <Group key={c.key} gap="xs" wrap="nowrap" align="flex-start">
                <ContactPicker
                  style={{ flex: 1 }}
                  aria-label="Contact"
                  value={c.contactId}
                  valueLabel={c.name}
                  excludeIds={usedContacts}
                  onChange={(id, name) => setDraft((d) => ({ ...d, contacts: d.contacts.map((x, j) => (j === i ? { ...x, contactId: id, name } : x)) }))}
                  error={errors.get(`contacts.${i}.contactId`)}
                  data-testid={`deal-contact-${i}`}
                />
                <Select
                  w={150}
                  aria-label="Role"
                  data={dealContactRoles.map((r) => ({ value: r, label: roleLabels[r] ?? r }))}
                  value={c.role}
                  allowDeselect={false}
                  onChange={(v) => setDraft((d) => ({ ...d, contacts: d.contacts.map((x, j) => (j === i ? { ...x, role: v ?? "other" } : x)) }))}
                  data-testid={`deal-contact-role-${i}`}
                />
                <ActionIcon
                  variant="subtle"
                  color="gray"
                  size="lg"
                  aria-label="Remove contact"
                  onClick={() => setDraft((d) => ({ ...d, contacts: d.contacts.filter((_, j) => j !== i) }))}
                >
                  <IconTrash size={16} />
                </ActionIcon>
              </Group>
            ))}
            <Button
              variant="subtle"
              size="xs"
              w="fit-content"
              leftSection={<IconPlus size={14} />}
              onClick={() =>
                setDraft((d) => ({
                  ...d,
                  contacts: [...d.contacts, { key: `new-${Date.now()}-${d.contacts.length}`, contactId: null, name: null, role: "decision_maker" }],
                }))
              }
              data-testid="deal-add-contact"
            >
              Add contact
            </Button>
          </Stack>
          <Textarea
            label="Next step"
            value={draft.nextStep}
            onChange={(e) => set("nextStep", e.currentTarget.value)}
            autosize
            minRows={1}
            error={errors.get("nextStep")}
          />
          <SimpleGrid cols={{ base: 1, xs: 2 }} spacing="sm">
            <Select
              label="Source"
              data={sourceOptions(draft.source)}
              value={draft.source || null}
              onChange={(v) => set("source", v ?? "")}
              placeholder="Where the deal came from"
              clearable
              searchable
              data-testid="deal-source"
            />
            <TagsInput label="Tags" value={draft.tags} onChange={(v) => set("tags", v)} clearable />
          </SimpleGrid>
          {(customFields.data ?? []).map((f) => (
            <CustomFieldInput
              key={f.id}
              field={f}
              value={draft.custom[f.key]}
              onChange={(v) => setDraft((d) => ({ ...d, custom: { ...d.custom, [f.key]: v } }))}
              error={errors.get(`custom.${f.key}`)}
              readOnly={fieldAccess("deal", f.key) !== undefined}
            />
          ))}
          <Group justify="flex-end" mt="sm">
            <Button variant="default" onClick={onClose}>
              Cancel
            </Button>
            <Button type="submit" loading={save.isPending} data-testid="deal-save">
              {deal ? "Save" : "Create deal"}
            </Button>
          </Group>
        </Stack>
      </form>
    </Drawer>
  );
}

/** The known sources by label; a source imported as free text stays selectable as it was written. */
function sourceOptions(current: string): { value: string; label: string }[] {
  const known = optionsOf(dealSourceLabels);
  return current && !known.some((o) => o.value === current) ? [...known, { value: current, label: current }] : known;
}
