import { type FieldDef, type RegistryObject, registryObjects } from "../../contract/fields.js";
import { useFieldRegistry } from "../components/ConditionField.js";

export type WfField = FieldDef;

export const asRegistryObject = (object: string | null | undefined): RegistryObject =>
  (registryObjects as readonly string[]).includes(object ?? "") ? (object as RegistryObject) : "contact";

/** The fields of a workflow's object, by label, for pickers (the registry with the workspace's custom fields). */
export function useFieldDefs(object: string | null | undefined): WfField[] {
  const registry = useFieldRegistry();
  return registry[asRegistryObject(object)].fields;
}
