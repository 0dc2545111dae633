import { Checkbox, Select, SimpleGrid } from "@mantine/core";
import { useQuery } from "@tanstack/react-query";
import { usePermissions } from "../app/me.js";
import { lostReasonsQuery, pipelinesQuery } from "../deals/api.js";

export interface DealImportOptions {
  pipelineId: string | null;
  createMissingStages: boolean;
  defaultLostReason: string | null;
}

/** Deals: which pipeline rows land in, whether stages the file names may be added, and a reason for lost deals that give none. */
export function DealOptions({ value, onChange }: { value: DealImportOptions; onChange: (v: DealImportOptions) => void }) {
  const { isAdmin } = usePermissions();
  const pipelines = useQuery(pipelinesQuery);
  const reasons = useQuery(lostReasonsQuery);
  return (
    <SimpleGrid cols={{ base: 1, sm: 2 }} data-testid="deal-import-options">
      <Select
        label="Pipeline"
        description="For rows without a pipeline column; stages are matched by name in it"
        placeholder="Default pipeline"
        data={(pipelines.data ?? []).map((p) => ({ value: p.id, label: p.isDefault ? `${p.name} (default)` : p.name }))}
        value={value.pipelineId}
        onChange={(v) => onChange({ ...value, pipelineId: v })}
        clearable
        data-testid="import-pipeline"
      />
      <Select
        label="Lost deals without a reason"
        description="Without a choice, such rows are rejected and listed"
        placeholder="Reject them"
        data={(reasons.data ?? []).map((r) => r.name)}
        value={value.defaultLostReason}
        onChange={(v) => onChange({ ...value, defaultLostReason: v })}
        clearable
        data-testid="import-lost-reason"
      />
      <Checkbox
        label="Add stages the file names that the pipeline doesn't have"
        description={
          isAdmin
            ? "They become open stages before Won and Lost. Off: such rows are rejected and listed."
            : "Only an admin can add stages; such rows are rejected and listed."
        }
        checked={value.createMissingStages}
        disabled={!isAdmin}
        onChange={(e) => onChange({ ...value, createMissingStages: e.currentTarget.checked })}
        data-testid="import-create-stages"
      />
    </SimpleGrid>
  );
}

export type ActivityTypeChoice = "note" | "call" | "email" | "meeting" | "task";

/** Activities: the type of rows that do not say theirs. */
export function ActivityOptions({ value, onChange }: { value: ActivityTypeChoice; onChange: (v: ActivityTypeChoice) => void }) {
  return (
    <Select
      label="Rows without a type become"
      description="Tasks go to the task list; the other types go on the timelines of the contact, company and deal they name"
      data={[
        { value: "note", label: "Notes" },
        { value: "call", label: "Calls" },
        { value: "email", label: "Emails" },
        { value: "meeting", label: "Meetings" },
        { value: "task", label: "Tasks" },
      ]}
      value={value}
      onChange={(v) => v && onChange(v as ActivityTypeChoice)}
      allowDeselect={false}
      w={{ base: "100%", sm: 340 }}
      data-testid="import-activity-type"
    />
  );
}
