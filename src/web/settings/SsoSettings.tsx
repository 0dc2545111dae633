import { Alert, Button, Card, Code, CopyButton, Group, PasswordInput, Select, Stack, Switch, TagsInput, Text, TextInput } from "@mantine/core";
import { IconInfoCircle } from "@tabler/icons-react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useEffect, useState } from "react";
import { PutSsoConfigBody, type Role, roleLabels, roles, type SsoConfig } from "../../contract/index.js";
import { api } from "../http/client.js";
import { useFormErrors } from "../lib/form.js";
import { notifySuccess } from "../lib/notify.js";
import { SettingsPage } from "./SettingsPage.js";

type Answer = { config: SsoConfig | null; redirectUri: string };
const ssoQuery = { queryKey: ["sso-config"], queryFn: () => api.get<Answer>("/api/v1/sso") };

export function SsoSettings() {
  const qc = useQueryClient();
  const answer = useQuery(ssoQuery);
  const errors = useFormErrors();
  const [issuer, setIssuer] = useState("");
  const [clientId, setClientId] = useState("");
  const [clientSecret, setClientSecret] = useState("");
  const [domains, setDomains] = useState<string[]>([]);
  const [defaultRole, setDefaultRole] = useState<Role>("sales");
  const [requireSso, setRequireSso] = useState(false);
  const [enabled, setEnabled] = useState(true);
  const config = answer.data?.config ?? null;
  useEffect(() => {
    if (!config) return;
    setIssuer(config.issuer);
    setClientId(config.clientId);
    setDomains(config.allowedDomains);
    setDefaultRole(config.defaultRole);
    setRequireSso(config.requireSso);
    setEnabled(config.enabled);
  }, [config]);

  const save = useMutation({
    mutationFn: (body: PutSsoConfigBody) => api.put<Answer>("/api/v1/sso", body),
    onSuccess: (a) => {
      qc.setQueryData(ssoQuery.queryKey, a);
      setClientSecret("");
      notifySuccess("Single sign-on settings saved");
    },
    onError: (e) => errors.fromServer(e, "Could not save the single sign-on settings"),
  });

  const submit = (e: FormEvent) => {
    e.preventDefault();
    const body = errors.validate(
      PutSsoConfigBody.safeParse({ issuer, clientId, clientSecret: clientSecret || undefined, allowedDomains: domains, defaultRole, requireSso, enabled }),
    );
    if (body) save.mutate(body);
  };

  return (
    <SettingsPage
      title="Single sign-on"
      description="Let people sign in with your company's identity provider (OpenID Connect: Okta, Microsoft Entra ID, Google Workspace, Keycloak…). People with an allowed email domain join this workspace the first time they sign in."
    >
      <Stack maw={640}>
        <Alert variant="light" color="blue" icon={<IconInfoCircle size={18} />} title="At your provider">
          <Text fz="sm">Create an OpenID Connect web application (authorization code flow) and register this redirect URI:</Text>
          <Group gap="xs" mt={6} wrap="nowrap">
            <Code data-testid="sso-redirect-uri" style={{ wordBreak: "break-all" }}>
              {answer.data?.redirectUri ?? "…"}
            </Code>
            <CopyButton value={answer.data?.redirectUri ?? ""}>
              {({ copied, copy }) => (
                <Button size="compact-xs" variant="default" onClick={copy}>
                  {copied ? "Copied" : "Copy"}
                </Button>
              )}
            </CopyButton>
          </Group>
        </Alert>
        <Card withBorder radius="md">
          <form onSubmit={submit} noValidate data-testid="sso-form">
            <Stack>
              <TextInput
                label="Issuer URL"
                description="Your provider's address; Rapport reads its /.well-known/openid-configuration when you save."
                placeholder="https://login.example.com"
                value={issuer}
                onChange={(e) => setIssuer(e.currentTarget.value)}
                error={errors.get("issuer")}
                required
                data-testid="sso-issuer"
              />
              <TextInput
                label="Client ID"
                value={clientId}
                onChange={(e) => setClientId(e.currentTarget.value)}
                error={errors.get("clientId")}
                required
                data-testid="sso-client-id"
              />
              <PasswordInput
                label="Client secret"
                description={
                  config?.clientSecretSet ? "A secret is stored and never shown. Leave empty to keep it." : "Given by your provider with the client ID."
                }
                placeholder={config?.clientSecretSet ? "•••••••• (stored)" : undefined}
                value={clientSecret}
                onChange={(e) => setClientSecret(e.currentTarget.value)}
                error={errors.get("clientSecret")}
                required={!config?.clientSecretSet}
                autoComplete="off"
                data-testid="sso-client-secret"
              />
              <TagsInput
                label="Allowed email domains"
                description="Type a domain such as example.com and press Enter. Only people whose verified email has one of them can sign in this way."
                value={domains}
                onChange={setDomains}
                error={errors.get("allowedDomains") ?? Object.entries(errors.errors).find(([k]) => k.startsWith("allowedDomains."))?.[1]}
                splitChars={[",", " "]}
                data-testid="sso-domains"
              />
              <Select
                label="Role for people who join by signing in"
                data={roles.map((r) => ({ value: r, label: roleLabels[r] ?? r }))}
                value={defaultRole}
                onChange={(v) => v && setDefaultRole(v as Role)}
                allowDeselect={false}
                data-testid="sso-default-role"
              />
              <Switch
                label="Require single sign-on"
                description="People other than admins can no longer sign in with a password. Admins keep theirs, as a way back in if the provider fails."
                checked={requireSso}
                onChange={(e) => setRequireSso(e.currentTarget.checked)}
                data-testid="sso-require"
              />
              <Switch
                label="Enabled"
                description="Turn off to stop sign-ins through the provider without losing these settings."
                checked={enabled}
                onChange={(e) => setEnabled(e.currentTarget.checked)}
              />
              <Group justify="flex-end">
                <Button type="submit" loading={save.isPending} data-testid="sso-save">
                  Save
                </Button>
              </Group>
            </Stack>
          </form>
        </Card>
      </Stack>
    </SettingsPage>
  );
}
