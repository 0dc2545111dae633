import { useQuery } from "@tanstack/react-query";
import { useMemo } from "react";
import { dealStatusLabels, type LabelMap, optionsOf, taskPriorityLabels, taskStatusLabels } from "../../contract/index.js";
import { customFieldsQuery } from "../http/queries.js";
import { customFieldKind } from "../records/fields.js";
import { companyFilterFields, contactFilterFields } from "../records/objects.js";
import type { FieldDef } from "../records/types.js";

const enumOf = (labels: LabelMap) => optionsOf(labels);

const dealFields: FieldDef[] = [
  { id: "name", label: "Name", kind: "text" },
  { id: "status", label: "Status", kind: "enum", options: enumOf(dealStatusLabels) },
  { id: "amount", label: "Amount", kind: "number" },
  { id: "expectedCloseDate", label: "Expected close date", kind: "date" },
  { id: "ownerId", label: "Owner", kind: "user" },
  { id: "nextStep", label: "Next step", kind: "text" },
  { id: "tags", label: "Tags", kind: "tags" },
  { id: "stageEnteredAt", label: "Entered stage", kind: "date", timestamp: true },
  { id: "closedAt", label: "Closed", kind: "date", timestamp: true },
  { id: "createdAt", label: "Created", kind: "date", timestamp: true },
];

const taskFields: FieldDef[] = [
  { id: "title", label: "Title", kind: "text" },
  { id: "status", label: "Status", kind: "enum", options: enumOf(taskStatusLabels) },
  { id: "priority", label: "Priority", kind: "enum", options: enumOf(taskPriorityLabels) },
  { id: "assigneeId", label: "Assignee", kind: "user" },
  { id: "dueAt", label: "Due", kind: "date", timestamp: true },
  { id: "completedAt", label: "Completed", kind: "date", timestamp: true },
  { id: "createdAt", label: "Created", kind: "date", timestamp: true },
];

/**
 * The fields of a workflow's object, with labels and value options, for pickers in the builder. Contacts and
 * companies use the same definitions as list filters (custom fields included).
 */
export function useFieldDefs(object: string | null | undefined): FieldDef[] {
  const customObject = object === "contact" || object === "company" || object === "deal" ? object : "contact";
  const custom = useQuery({ ...customFieldsQuery(customObject), enabled: object === "contact" || object === "company" || object === "deal" });
  return useMemo(() => {
    const c = custom.data ?? [];
    if (object === "company") return companyFilterFields(c);
    if (object === "deal")
      return [
        ...dealFields,
        ...c.map((f) => ({ id: `custom.${f.key}`, label: f.label, kind: customFieldKind(f), options: f.options.map((o) => ({ value: o, label: o })) })),
      ];
    if (object === "task") return taskFields;
    return contactFilterFields(c);
  }, [object, custom.data]);
}
