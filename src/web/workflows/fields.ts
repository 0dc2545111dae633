import { useQuery } from "@tanstack/react-query";
import { useMemo } from "react";
import { type FieldDef, type FieldRegistry, fieldRegistry, type RegistryObject, registryObjects } from "../../contract/fields.js";
import { customFieldsQuery } from "../http/queries.js";

export type WfField = FieldDef;

/** The field registry with this workspace's custom fields joined in: the one source of fields for the builder. */
export function useRegistry(): FieldRegistry {
  const contact = useQuery(customFieldsQuery("contact"));
  const company = useQuery(customFieldsQuery("company"));
  const deal = useQuery(customFieldsQuery("deal"));
  return useMemo(() => fieldRegistry([...(contact.data ?? []), ...(company.data ?? []), ...(deal.data ?? [])]), [contact.data, company.data, deal.data]);
}

export const asRegistryObject = (object: string | null | undefined): RegistryObject =>
  (registryObjects as readonly string[]).includes(object ?? "") ? (object as RegistryObject) : "contact";

/** The fields of a workflow's object, by label, for pickers and conditions. */
export function useFieldDefs(object: string | null | undefined): WfField[] {
  const registry = useRegistry();
  return registry[asRegistryObject(object)].fields;
}

/** Fields of the object and of its one-to-one related records ("Company › Industry"), for conditions. */
export function useConditionFields(object: string | null | undefined): { field: WfField; path: string; label: string; group: string }[] {
  const registry = useRegistry();
  return useMemo(() => {
    const o = registry[asRegistryObject(object)];
    const own = o.fields.filter((f) => f.filterable).map((f) => ({ field: f, path: f.name, label: f.label, group: o.label }));
    const related = o.relations.flatMap((r) =>
      registry[r.object].fields
        .filter((f) => f.filterable)
        .map((f) => ({
          field: f,
          path: `${r.name}.${f.name}`,
          label: `${r.label} › ${f.label}`,
          group: r.many ? `Any of its ${r.label.toLowerCase()}` : r.label,
        })),
    );
    return [...own, ...related];
  }, [registry, object]);
}
