import { useQuery } from "@tanstack/react-query";
import { useMemo } from "react";
import { roles as builtInKeys } from "../../contract/index.js";
import { rolesQuery } from "../http/queries.js";
import { roleLabels } from "../lib/format.js";

/** The workspace's roles, custom ones included, as select options with their names; the built-in ones until they load. */
export function useRoleOptions() {
  const roles = useQuery({ ...rolesQuery, retry: false });
  return useMemo(() => {
    const options = roles.data
      ? roles.data.map((r) => ({ value: r.key, label: r.name }))
      : builtInKeys.map((r) => ({ value: r as string, label: roleLabels[r] ?? r }));
    const names = new Map(options.map((o) => [o.value, o.label]));
    return { options, name: (key: string) => names.get(key) ?? roleLabels[key] ?? key };
  }, [roles.data]);
}
