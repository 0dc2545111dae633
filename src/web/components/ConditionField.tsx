import { Stack, Text } from "@mantine/core";
import { useQuery } from "@tanstack/react-query";
import { useMemo } from "react";
import { type Condition, type ConditionGroup, isGroup } from "../../contract/conditions.js";
import { type FieldRegistry, fieldRegistry, type RegistryObject } from "../../contract/fields.js";
import { customFieldsQuery, usersQuery } from "../http/queries.js";
import { ConditionEditor, type ConditionEditorProps } from "./ConditionEditor.js";

/** The field registry with this workspace's custom fields joined in, for every kind of record a condition reaches. */
export function useFieldRegistry(): FieldRegistry {
  const contact = useQuery(customFieldsQuery("contact"));
  const company = useQuery(customFieldsQuery("company"));
  const deal = useQuery(customFieldsQuery("deal"));
  return useMemo(() => fieldRegistry([...(contact.data ?? []), ...(company.data ?? []), ...(deal.data ?? [])]), [contact.data, company.data, deal.data]);
}

/** A stored condition as the editor's top group: a single leaf is a group of one. */
export const asGroup = (c: Condition | null | undefined): ConditionGroup => (!c ? { all: [] } : isGroup(c) ? c : { all: [c] });

/**
 * The condition editor as a form field: the workspace's fields and people loaded, and the problems the server found
 * in the condition (at `path` and below, e.g. "conditions.all.0.value") listed under it in words.
 */
export function ConditionField(
  props: Omit<ConditionEditorProps, "registry" | "users" | "value"> & {
    object: RegistryObject;
    value: Condition | null | undefined;
    errors?: Record<string, string>;
    path?: string;
    /** Shown, not editable (a published workflow's version). */
    readOnly?: boolean;
  },
) {
  const registry = useFieldRegistry();
  const users = useQuery({ ...usersQuery, retry: false });
  const path = props.path ?? "conditions";
  const problems = Object.entries(props.errors ?? {}).filter(([p]) => p === path || p.startsWith(`${path}.`));
  return (
    <Stack gap={4}>
      {/* A disabled fieldset disables every input inside it, however deeply the editor nests them. */}
      <fieldset disabled={props.readOnly} style={{ border: 0, padding: 0, margin: 0, minWidth: 0 }}>
        <ConditionEditor {...props} registry={registry} users={users.data ?? []} value={asGroup(props.value)} />
      </fieldset>
      {problems.map(([p, message]) => (
        <Text key={p} fz="xs" c="red" data-testid="condition-error">
          {message}
        </Text>
      ))}
    </Stack>
  );
}
