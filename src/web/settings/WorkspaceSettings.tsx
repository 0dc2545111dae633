import { Button, Card, Group, Stack, Switch, TextInput } from "@mantine/core";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useEffect, useState } from "react";
import { UpdateWorkspaceBody, type WorkspaceInfo } from "../../contract/index.js";
import { CountrySelect } from "../components/CountrySelect.js";
import { CurrencySelect } from "../components/CurrencySelect.js";
import { TimeZoneSelect } from "../components/TimeZoneSelect.js";
import { api } from "../http/client.js";
import { workspaceQuery } from "../http/queries.js";
import { useFormErrors } from "../lib/form.js";
import { notifySuccess } from "../lib/notify.js";
import { SettingsPage } from "./SettingsPage.js";

export { workspaceQuery };

export function WorkspaceSettings() {
  const qc = useQueryClient();
  const ws = useQuery(workspaceQuery);
  const errors = useFormErrors();
  const [name, setName] = useState("");
  const [country, setCountry] = useState<string | null>(null);
  const [currency, setCurrency] = useState("");
  const [timeZone, setTimeZone] = useState("");
  const [requireTotp, setRequireTotp] = useState(false);
  useEffect(() => {
    if (!ws.data) return;
    setName(ws.data.name);
    setCountry(ws.data.defaultCountry);
    setCurrency(ws.data.defaultCurrency);
    setTimeZone(ws.data.timeZone);
    setRequireTotp(ws.data.requireTotp);
  }, [ws.data]);

  const save = useMutation({
    mutationFn: (body: UpdateWorkspaceBody) => api.patch<WorkspaceInfo>("/api/v1/workspace", body),
    onSuccess: (w) => {
      qc.setQueryData(workspaceQuery.queryKey, w);
      void qc.invalidateQueries({ queryKey: ["me"] });
      notifySuccess("Workspace settings saved");
    },
    onError: (e) => errors.fromServer(e, "Could not save the workspace settings"),
  });

  const submit = (e: FormEvent) => {
    e.preventDefault();
    const body = errors.validate(UpdateWorkspaceBody.safeParse({ name, defaultCountry: country, defaultCurrency: currency, timeZone, requireTotp }));
    if (body) save.mutate(body);
  };

  return (
    <SettingsPage title="Workspace" description="The workspace's name, time zone and the defaults every record, import and report falls back on.">
      <Card withBorder radius="md" maw={560}>
        <form onSubmit={submit} noValidate>
          <Stack>
            <TextInput
              label="Name"
              value={name}
              onChange={(e) => setName(e.currentTarget.value)}
              error={errors.get("name")}
              required
              data-testid="workspace-name-input"
            />
            <CountrySelect
              label="Default country"
              description="Phone numbers typed without a country code (+…) are read as this country's, and search finds them in national format."
              placeholder="None: phone numbers need a country code"
              value={country}
              onChange={setCountry}
              error={errors.get("defaultCountry")}
              data-testid="workspace-country"
            />
            <CurrencySelect
              label="Default currency"
              description="Used when a deal or company names no currency."
              value={currency}
              onChange={setCurrency}
              error={errors.get("defaultCurrency")}
              data-testid="workspace-currency"
            />
            <TimeZoneSelect
              label="Time zone"
              description="Every date in Rapport is shown in it: calendar days, due dates, timelines, forecast periods and exported files."
              value={timeZone || null}
              onChange={(tz) => tz && setTimeZone(tz)}
              error={errors.get("timeZone")}
              data-testid="workspace-timezone"
            />
            <Switch
              label="Require two-step sign-in"
              description="Everyone signs in with a code from an authenticator app too. Members who have not set one up are asked to at their next sign-in, before anything else."
              checked={requireTotp}
              onChange={(e) => setRequireTotp(e.currentTarget.checked)}
              data-testid="workspace-require-totp"
            />
            <Group justify="flex-end">
              <Button type="submit" loading={save.isPending} disabled={!ws.data} data-testid="workspace-save">
                Save
              </Button>
            </Group>
          </Stack>
        </form>
      </Card>
    </SettingsPage>
  );
}
