import { Alert, Anchor, Badge, Button, Card, Checkbox, Group, Modal, Select, Stack, Text, TextInput, Title } from "@mantine/core";
import { IconArrowRight, IconTargetArrow } from "@tabler/icons-react";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useNavigate } from "@tanstack/react-router";
import { type FormEvent, useState } from "react";
import { type Contact, ConvertLeadBody, leadStages } from "../../contract/index.js";
import { usePermissions } from "../app/me.js";
import { CurrencySelect, useDefaultCurrency } from "../components/CurrencySelect.js";
import { api } from "../http/client.js";
import { useFormErrors } from "../lib/form.js";
import { formatDateTime } from "../lib/format.js";
import { notifyError, notifySuccess } from "../lib/notify.js";
import { leadStatusLabels, scoreColor } from "./labels.js";

interface SourceDetails {
  form?: { id: string; name: string };
  utm?: Record<string, string>;
  referrer?: string | null;
  companyName?: string;
  lastSubmission?: { form?: { name: string }; submittedAt?: string };
}

/** Lead score with its reasons, status, how the owner was chosen and where the lead came from; converts leads. */
export function LeadPanel({ contact: c }: { contact: Contact }) {
  const { canWrite } = usePermissions();
  const qc = useQueryClient();
  const [converting, setConverting] = useState(false);
  const isLead = (leadStages as readonly string[]).includes(c.lifecycleStage);
  const status = useMutation({
    mutationFn: (leadStatus: string | null) => api.patch<Contact>(`/api/v1/contacts/${c.id}`, { leadStatus }),
    onSuccess: () => void qc.invalidateQueries({ queryKey: ["contact"] }),
    onError: (e) => notifyError(e, "Could not change the status"),
  });
  const source = c.sourceDetails as SourceDetails;
  const utm = Object.entries(source.utm ?? {});

  return (
    <Card withBorder radius="md" padding="md" data-testid="lead-panel">
      <Group justify="space-between" mb="xs" wrap="nowrap">
        <Title order={4} fz="md">
          Lead
        </Title>
        {isLead && canWrite && !c.deletedAt && (
          <Button size="xs" leftSection={<IconTargetArrow size={14} />} onClick={() => setConverting(true)} data-testid="convert-lead">
            Convert
          </Button>
        )}
      </Group>
      <Stack gap="sm">
        <Group gap="sm" wrap="nowrap" align="center">
          <Badge size="xl" radius="sm" variant="filled" color={scoreColor(c.leadScore)} style={{ flexShrink: 0 }} data-testid="lead-score">
            {c.leadScore}
          </Badge>
          <Text fz="xs" c="dimmed">
            Lead score (0–100){c.scoredAt ? ` · scored ${formatDateTime(c.scoredAt)}` : ""}
          </Text>
        </Group>
        {c.scoreBreakdown.length > 0 ? (
          <Stack gap={2} data-testid="score-breakdown">
            {c.scoreBreakdown.map((b) => (
              <Text key={b.ruleId} fz="sm">
                <Text span fw={600} c={b.points >= 0 ? "teal" : "red"}>
                  {b.points > 0 ? "+" : ""}
                  {b.points}
                </Text>{" "}
                {b.label}
              </Text>
            ))}
          </Stack>
        ) : (
          <Text fz="xs" c="dimmed">
            No scoring rule matches yet. Admins set rules under Settings → Lead scoring.
          </Text>
        )}
        <Select
          label="Lead status"
          size="xs"
          data={Object.entries(leadStatusLabels).map(([value, label]) => ({ value, label }))}
          value={c.leadStatus}
          onChange={(v) => status.mutate(v)}
          clearable
          placeholder="No status"
          disabled={!canWrite || Boolean(c.deletedAt)}
          data-testid="lead-status"
        />
        {c.assignmentReason && (
          <div>
            <Text fz="xs" c="dimmed" fw={600}>
              Why this owner
            </Text>
            <Text fz="sm" data-testid="assignment-reason">
              {c.assignmentReason}
            </Text>
          </div>
        )}
        {(source.form || utm.length > 0 || source.referrer) && (
          <div data-testid="lead-source-details">
            <Text fz="xs" c="dimmed" fw={600}>
              Source
            </Text>
            {source.form && <Text fz="sm">Form “{source.form.name}”</Text>}
            {utm.length > 0 && (
              <Group gap={4} mt={2}>
                {utm.map(([k, v]) => (
                  <Badge key={k} size="sm" variant="default" tt="none" fw={500}>
                    {k.replace("utm_", "")}: {v}
                  </Badge>
                ))}
              </Group>
            )}
            {source.referrer &&
              // Referrers saved before the server kept only http(s) ones may hold javascript: — never a link then.
              (/^https?:\/\//i.test(source.referrer) ? (
                <Anchor href={source.referrer} target="_blank" rel="noopener noreferrer nofollow" fz="xs" display="block" truncate="end">
                  {source.referrer}
                </Anchor>
              ) : (
                <Text fz="xs" c="dimmed" truncate="end">
                  {source.referrer}
                </Text>
              ))}
            {source.lastSubmission?.submittedAt && (
              <Text fz="xs" c="dimmed">
                Last submitted {formatDateTime(source.lastSubmission.submittedAt)}
              </Text>
            )}
          </div>
        )}
      </Stack>
      <ConvertModal contact={c} opened={converting} onClose={() => setConverting(false)} />
    </Card>
  );
}

const freeMail = new Set([
  "gmail.com",
  "googlemail.com",
  "outlook.com",
  "hotmail.com",
  "yahoo.com",
  "icloud.com",
  "gmx.de",
  "web.de",
  "proton.me",
  "protonmail.com",
]);

function ConvertModal({ contact: c, opened, onClose }: { contact: Contact; opened: boolean; onClose: () => void }) {
  const qc = useQueryClient();
  const errors = useFormErrors();
  const domain = c.primaryEmail?.split("@")[1] ?? "";
  const suggestedName = (c.sourceDetails as SourceDetails).companyName ?? "";
  const [stage, setStage] = useState<"sales_qualified" | "opportunity">("opportunity");
  const [withCompany, setWithCompany] = useState(!c.companyId && Boolean(suggestedName || (domain && !freeMail.has(domain))));
  const [companyName, setCompanyName] = useState(suggestedName || (domain && !freeMail.has(domain) ? (domain.split(".")[0] ?? "") : ""));
  const [companyDomain, setCompanyDomain] = useState(domain && !freeMail.has(domain) ? domain : "");
  const [withDeal, setWithDeal] = useState(true);
  const [dealName, setDealName] = useState(`${suggestedName || c.companyName || c.fullName} deal`);
  const [amount, setAmount] = useState("");
  const [chosenCurrency, setCurrency] = useState("");
  // Shows, and so saves, the workspace's currency until another is chosen.
  const defaultCurrency = useDefaultCurrency();
  const currency = chosenCurrency || defaultCurrency || "";
  const navigate = useNavigate();
  const convert = useMutation({
    mutationFn: (body: unknown) => api.post<{ dealId: string | null; companyCreated: boolean }>(`/api/v1/contacts/${c.id}/convert`, body),
    onSuccess: (r) => {
      void qc.invalidateQueries({ queryKey: ["contact"] });
      void qc.invalidateQueries({ queryKey: ["company"] });
      void qc.invalidateQueries({ queryKey: ["deals"] });
      // The conversion wrote history (stage, company) on this contact: its timeline shows it without a reload.
      void qc.invalidateQueries({ queryKey: ["timeline"] });
      const dealId = r.dealId;
      const text = [r.companyCreated ? "Company created." : null, dealId ? "Deal created." : null].filter(Boolean).join(" ") || "Lead qualified.";
      notifySuccess(
        dealId ? (
          <>
            {text}{" "}
            <Anchor
              href={`/deals/${dealId}`}
              fz="sm"
              fw={600}
              data-testid="converted-deal-link"
              onClick={(e) => {
                // The toast renders outside the router: navigate through the hook captured here.
                e.preventDefault();
                void navigate({ to: "/deals/$id", params: { id: dealId } });
              }}
            >
              Open the deal
            </Anchor>
          </>
        ) : (
          text
        ),
        "Converted",
        { autoClose: dealId ? 10_000 : undefined },
      );
      onClose();
    },
    onError: (e) => errors.fromServer(e, "Could not convert"),
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const body = errors.validate(
      ConvertLeadBody.safeParse({
        lifecycleStage: withDeal ? "opportunity" : stage,
        ...(withCompany && companyName.trim()
          ? { company: { name: companyName.trim(), ...(companyDomain.trim() ? { domain: companyDomain.trim() } : {}) } }
          : {}),
        ...(withDeal
          ? { deal: { name: dealName.trim(), ...(amount.trim() ? { amount: amount.trim() } : {}), ...(currency.trim() ? { currency: currency.trim() } : {}) } }
          : {}),
      }),
    );
    if (body) convert.mutate(body);
  };
  return (
    <Modal opened={opened} onClose={onClose} title="Convert lead" size="lg" fullScreen={false}>
      <form onSubmit={submit} data-testid="convert-form">
        <Stack gap="sm">
          <Text fz="sm" c="dimmed">
            Marks the lead as qualified and moves it on; everything below happens together or not at all.
          </Text>
          {!withDeal && (
            <Select
              label="New lifecycle stage"
              data={[
                { value: "sales_qualified", label: "Sales qualified" },
                { value: "opportunity", label: "Opportunity" },
              ]}
              value={stage}
              onChange={(v) => v && setStage(v as typeof stage)}
              allowDeselect={false}
            />
          )}
          {c.companyId ? (
            <Alert variant="light" color="gray">
              Works at {c.companyName ?? "a company"}; the deal will be linked to it.
            </Alert>
          ) : (
            <>
              <Checkbox
                label="Create or link a company"
                checked={withCompany}
                onChange={(e) => setWithCompany(e.currentTarget.checked)}
                data-testid="convert-with-company"
              />
              {withCompany && (
                <Group grow wrap="wrap" gap="sm">
                  <TextInput
                    label="Company name"
                    value={companyName}
                    onChange={(e) => setCompanyName(e.currentTarget.value)}
                    error={errors.get("company.name")}
                    required
                    data-testid="convert-company-name"
                    miw={200}
                  />
                  <TextInput
                    label="Domain"
                    description="An existing company with this domain or name is linked instead"
                    value={companyDomain}
                    onChange={(e) => setCompanyDomain(e.currentTarget.value)}
                    error={errors.get("company.domain")}
                    miw={200}
                  />
                </Group>
              )}
            </>
          )}
          <Checkbox label="Create a deal" checked={withDeal} onChange={(e) => setWithDeal(e.currentTarget.checked)} data-testid="convert-with-deal" />
          {withDeal && (
            <Group grow wrap="wrap" gap="sm">
              <TextInput
                label="Deal name"
                value={dealName}
                onChange={(e) => setDealName(e.currentTarget.value)}
                error={errors.get("deal.name")}
                required
                data-testid="convert-deal-name"
                miw={200}
              />
              <TextInput
                label="Amount"
                placeholder="12500.00"
                value={amount}
                onChange={(e) => setAmount(e.currentTarget.value)}
                error={errors.get("deal.amount")}
                data-testid="convert-deal-amount"
                miw={120}
              />
              <CurrencySelect
                label="Currency"
                value={currency}
                onChange={setCurrency}
                error={errors.get("deal.currency")}
                miw={140}
                data-testid="convert-deal-currency"
              />
            </Group>
          )}
          <Group justify="flex-end" mt="sm">
            <Button variant="default" onClick={onClose}>
              Cancel
            </Button>
            <Button type="submit" loading={convert.isPending} rightSection={<IconArrowRight size={16} />} data-testid="convert-submit">
              Convert
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}
