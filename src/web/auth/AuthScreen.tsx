import { Alert, Anchor, Box, Button, Center, Loader, Paper, PasswordInput, Radio, Stack, Text, TextInput, Title } from "@mantine/core";
import { IconAlertCircle } from "@tabler/icons-react";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useState } from "react";
import { LoginBody, type Me, PasswordResetRequestBody, SignupBody, SsoDiscoverBody, type SsoErrorCode, ssoErrorMessages } from "../../contract/index.js";
import { CountrySelect } from "../components/CountrySelect.js";
import { browserRegionDefaults, CurrencySelect } from "../components/CurrencySelect.js";
import { TimeZoneSelect } from "../components/TimeZoneSelect.js";
import { ApiError, api } from "../http/client.js";
import { setupQuery } from "../http/queries.js";
import { browserTimeZone } from "../lib/dates.js";
import { useFormErrors } from "../lib/form.js";
import classes from "./AuthScreen.module.css";

type Mode = "signin" | "signup" | "forgot";

/** Shown whenever there is no session: sign in, or create a workspace (first run: create first). */
export default function AuthScreen() {
  const setup = useQuery(setupQuery);
  const [mode, setMode] = useState<Mode | null>(null);

  if (setup.isPending && !mode) {
    return (
      <Center h="100dvh">
        <Loader type="dots" />
      </Center>
    );
  }
  const effective: Mode = mode ?? (setup.data?.hasWorkspaces === false ? "signup" : "signin");
  const firstRun = setup.data?.hasWorkspaces === false;
  const signupOpen = setup.data?.signupOpen !== false;

  return (
    <Box className={classes.page}>
      <Stack w="100%" maw={420} gap="lg">
        <Stack gap={6} align="center">
          <span className={classes.logo} aria-hidden>
            R
          </span>
          <Title order={2} ta="center">
            {effective === "signup" ? "Create your workspace" : effective === "forgot" ? "Reset your password" : "Sign in to Rapport"}
          </Title>
          <Text c="dimmed" ta="center" fz="sm">
            {effective === "signup"
              ? firstRun
                ? "Welcome! Set up your team's CRM — you'll be its first admin."
                : "A new, empty workspace for a team. You'll be its admin."
              : effective === "forgot"
                ? "We'll mail you a link to choose a new one."
                : "Welcome back."}
          </Text>
        </Stack>
        <Paper withBorder p={{ base: "md", xs: "xl" }} radius="lg" shadow="sm">
          {effective === "signup" ? (
            signupOpen ? (
              <SignupForm />
            ) : (
              <Alert color="gray" variant="light" title="Sign-up is closed" data-testid="signup-closed">
                On this Rapport, people join by invitation. Ask an admin of your company's workspace to invite you (Settings → Users → Invite).
              </Alert>
            )
          ) : effective === "forgot" ? (
            <ForgotForm />
          ) : (
            <SigninForm onForgot={() => setMode("forgot")} />
          )}
        </Paper>
        <Text ta="center" fz="sm" c="dimmed">
          {effective !== "signin" ? (
            <>
              {effective === "forgot" ? "Remembered it?" : "Already have an account?"}{" "}
              <Anchor component="button" type="button" fz="sm" onClick={() => setMode("signin")} data-testid="go-signin">
                Sign in
              </Anchor>
            </>
          ) : !signupOpen ? null : (
            <>
              New team?{" "}
              <Anchor component="button" type="button" fz="sm" onClick={() => setMode("signup")} data-testid="go-signup">
                Create a new workspace
              </Anchor>
            </>
          )}
        </Text>
      </Stack>
    </Box>
  );
}

function useSignedIn() {
  const qc = useQueryClient();
  return (me: Me) => {
    qc.setQueryData(["me"], me);
    void qc.invalidateQueries({ queryKey: ["setup"] });
  };
}

function SignupForm() {
  const [values, setValues] = useState({ workspaceName: "", name: "", email: "", password: "" });
  // Where the team works, guessed from this browser and shown for confirmation: dates, phone numbers and money depend on it.
  const [region, setRegion] = useState(() => ({ ...browserRegionDefaults(), timeZone: browserTimeZone() }));
  const [busy, setBusy] = useState(false);
  const [formError, setFormError] = useState<string | null>(null);
  const errors = useFormErrors();
  const signedIn = useSignedIn();
  const set = (k: keyof typeof values) => (e: React.ChangeEvent<HTMLInputElement>) => {
    const value = e.currentTarget.value;
    setValues((v) => ({ ...v, [k]: value }));
    errors.clear(k);
  };

  async function submit(e: FormEvent) {
    e.preventDefault();
    setFormError(null);
    const body = errors.validate(
      SignupBody.safeParse({
        ...values,
        defaultCountry: region.country ?? undefined,
        defaultCurrency: region.currency,
        timeZone: region.timeZone,
      }),
    );
    if (!body) return;
    setBusy(true);
    try {
      signedIn(await api.post<Me>("/api/v1/auth/signup", body));
    } catch (err) {
      if (err instanceof ApiError) {
        errors.setErrors(err.fieldErrors);
        setFormError(err.problem.detail || err.problem.title);
      } else setFormError(String(err));
    } finally {
      setBusy(false);
    }
  }

  return (
    <form onSubmit={submit} noValidate data-testid="signup-form">
      <Stack gap="md">
        {formError && (
          <Alert color="red" icon={<IconAlertCircle size={18} />} variant="light" role="alert">
            {formError}
          </Alert>
        )}
        <TextInput
          label="Workspace name"
          description="Usually your company or team"
          placeholder="Acme Sales"
          value={values.workspaceName}
          onChange={set("workspaceName")}
          error={errors.get("workspaceName")}
          autoFocus
          required
        />
        <TextInput
          label="Your name"
          placeholder="Ada Lovelace"
          value={values.name}
          onChange={set("name")}
          error={errors.get("name")}
          autoComplete="name"
          required
        />
        <TextInput
          label="Work email"
          type="email"
          placeholder="ada@acme.com"
          value={values.email}
          onChange={set("email")}
          error={errors.get("email")}
          autoComplete="email"
          required
        />
        <PasswordInput
          label="Password"
          description="At least 10 characters"
          value={values.password}
          onChange={set("password")}
          error={errors.get("password")}
          autoComplete="new-password"
          required
        />
        <CountrySelect
          label="Country"
          description="Phone numbers without a country code are read as this country's"
          placeholder="None: phone numbers need a country code"
          value={region.country}
          onChange={(country) => setRegion((r) => ({ ...r, country }))}
          error={errors.get("defaultCountry")}
          data-testid="signup-country"
        />
        <CurrencySelect
          label="Currency"
          description="For deals and reports that name no other"
          value={region.currency}
          onChange={(currency) => currency && setRegion((r) => ({ ...r, currency }))}
          error={errors.get("defaultCurrency")}
          data-testid="signup-currency"
        />
        <TimeZoneSelect
          label="Time zone"
          description="Calendars, due dates and reports follow it; you can change it later in Settings"
          value={region.timeZone}
          onChange={(timeZone) => timeZone && setRegion((r) => ({ ...r, timeZone }))}
          error={errors.get("timeZone")}
          data-testid="signup-timezone"
        />
        <Button type="submit" loading={busy} fullWidth mt="xs" data-testid="signup-submit">
          Create workspace
        </Button>
      </Stack>
    </form>
  );
}

/** "Forgot password?": the answer is the same whether or not the email has an account. */
function ForgotForm() {
  const [email, setEmail] = useState("");
  const [sent, setSent] = useState(false);
  const [busy, setBusy] = useState(false);
  const [formError, setFormError] = useState<string | null>(null);
  async function submit(e: FormEvent) {
    e.preventDefault();
    setFormError(null);
    const body = PasswordResetRequestBody.safeParse({ email });
    if (!body.success) return setFormError("Enter the email you sign in with.");
    setBusy(true);
    try {
      await api.post("/api/v1/auth/password-reset/request", body.data);
      setSent(true);
    } catch (err) {
      setFormError(err instanceof ApiError ? err.problem.detail || err.problem.title : String(err));
    } finally {
      setBusy(false);
    }
  }
  if (sent)
    return (
      <Alert color="green" variant="light" title="Check your mail" data-testid="forgot-sent">
        If {email} has a Rapport account, a link to choose a new password is on its way. It works once, for an hour.
      </Alert>
    );
  return (
    <form onSubmit={submit} noValidate data-testid="forgot-form">
      <Stack gap="md">
        {formError && (
          <Alert color="red" icon={<IconAlertCircle size={18} />} variant="light" role="alert">
            {formError}
          </Alert>
        )}
        <TextInput label="Email" type="email" value={email} onChange={(e) => setEmail(e.currentTarget.value)} autoComplete="email" autoFocus required />
        <Button type="submit" loading={busy} fullWidth>
          Mail me a link
        </Button>
      </Stack>
    </form>
  );
}

/** The callback sends the browser back with ?ssoError=<code> when a sign-in through the provider failed. */
function ssoErrorFromUrl(): string | null {
  const code = new URLSearchParams(window.location.search).get("ssoError");
  if (!code) return null;
  const url = new URL(window.location.href);
  url.searchParams.delete("ssoError");
  window.history.replaceState(null, "", url.pathname + url.search + url.hash);
  return ssoErrorMessages[code as SsoErrorCode] ?? "Single sign-on did not work. Try again.";
}

function SigninForm({ onForgot }: { onForgot: () => void }) {
  const [ssoError] = useState(ssoErrorFromUrl);
  const [sso, setSso] = useState<{ email: string; notice?: string } | null>(ssoError ? { email: "", notice: ssoError } : null);
  if (sso) return <SsoForm initialEmail={sso.email} notice={sso.notice} onPassword={() => setSso(null)} />;
  return <PasswordForm onSso={(email, notice) => setSso({ email, notice })} onForgot={onForgot} />;
}

/** "Sign in with SSO": the work email finds the workspace, and the browser leaves for its identity provider. */
function SsoForm({ initialEmail, notice, onPassword }: { initialEmail: string; notice?: string; onPassword: () => void }) {
  const [email, setEmail] = useState(initialEmail);
  const [choices, setChoices] = useState<{ id: string; name: string; startUrl: string }[] | null>(null);
  const [choice, setChoice] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [formError, setFormError] = useState<string | null>(notice ?? null);
  const errors = useFormErrors();

  async function submit(e: FormEvent) {
    e.preventDefault();
    setFormError(null);
    if (choices) {
      const picked = choices.find((c) => c.id === choice);
      if (!picked) setFormError("Choose the workspace to sign in to.");
      else window.location.assign(picked.startUrl);
      return;
    }
    const body = errors.validate(SsoDiscoverBody.safeParse({ email }));
    if (!body) return;
    setBusy(true);
    try {
      const found = await api.post<{ workspaces: { id: string; name: string; startUrl: string }[] }>("/api/v1/auth/sso/discover", body);
      if (found.workspaces.length === 1) {
        window.location.assign(found.workspaces[0]?.startUrl ?? "/");
        return;
      }
      if (found.workspaces.length === 0) {
        setFormError(`No workspace signs in people from ${body.email.split("@")[1]} through single sign-on. Sign in with your password, or ask your admin.`);
      } else setChoices(found.workspaces);
      setBusy(false);
    } catch (err) {
      setBusy(false);
      if (err instanceof ApiError) setFormError(err.problem.detail || err.problem.title);
      else setFormError(String(err));
    }
  }

  return (
    <form onSubmit={submit} noValidate data-testid="sso-signin-form">
      <Stack gap="md">
        {formError && (
          <Alert color="red" icon={<IconAlertCircle size={18} />} variant="light" role="alert" data-testid="sso-signin-error">
            {formError}
          </Alert>
        )}
        <TextInput
          label="Work email"
          description="We'll send you to your company's sign-in page."
          type="email"
          value={email}
          onChange={(e) => {
            setEmail(e.currentTarget.value);
            setChoices(null);
            errors.clear("email");
          }}
          error={errors.get("email")}
          autoComplete="email"
          autoFocus
          required
          data-testid="sso-email"
        />
        {choices && (
          <Radio.Group label="Workspace" description="Your company's provider signs in to several workspaces. Which one?" value={choice} onChange={setChoice}>
            <Stack gap="xs" mt="xs">
              {choices.map((w) => (
                <Radio.Card key={w.id} value={w.id} p="sm" radius="md" className={classes.card}>
                  <div className={classes.cardInner}>
                    <Radio.Indicator />
                    <Text fz="sm" fw={500}>
                      {w.name}
                    </Text>
                  </div>
                </Radio.Card>
              ))}
            </Stack>
          </Radio.Group>
        )}
        <Button type="submit" loading={busy} fullWidth mt="xs" data-testid="sso-continue">
          Continue with single sign-on
        </Button>
        <Anchor component="button" type="button" fz="sm" ta="center" onClick={onPassword} data-testid="sso-back">
          Sign in with a password instead
        </Anchor>
      </Stack>
    </form>
  );
}

function PasswordForm({ onSso, onForgot }: { onSso: (email: string, notice?: string) => void; onForgot: () => void }) {
  const [values, setValues] = useState({ email: "", password: "" });
  // Asked for once the password is right and the account has a second factor.
  const [totpCode, setTotpCode] = useState<string | null>(null);
  const [workspaces, setWorkspaces] = useState<{ id: string; name: string }[] | null>(null);
  const [workspaceId, setWorkspaceId] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [formError, setFormError] = useState<string | null>(null);
  const errors = useFormErrors();
  const signedIn = useSignedIn();
  const set = (k: keyof typeof values) => (e: React.ChangeEvent<HTMLInputElement>) => {
    const value = e.currentTarget.value;
    setValues((v) => ({ ...v, [k]: value }));
    errors.clear(k);
    if (k === "email") {
      setWorkspaces(null);
      setWorkspaceId(null);
      setTotpCode(null);
    }
  };

  async function submit(e: FormEvent) {
    e.preventDefault();
    setFormError(null);
    if (workspaces && !workspaceId) {
      setFormError("Choose the workspace to sign in to.");
      return;
    }
    const body = errors.validate(LoginBody.safeParse({ ...values, ...(workspaceId ? { workspaceId } : {}), ...(totpCode ? { totpCode } : {}) }));
    if (!body) return;
    setBusy(true);
    try {
      signedIn(await api.post<Me>("/api/v1/auth/login", body));
    } catch (err) {
      if (err instanceof ApiError && err.code === "sso_required") {
        onSso(values.email, err.problem.detail);
      } else if (err instanceof ApiError && err.code === "workspace_required") {
        const list = (err.problem.workspaces as { id: string; name: string }[] | undefined) ?? [];
        setWorkspaces(list);
        setWorkspaceId(null);
        setFormError(null);
      } else if (err instanceof ApiError && err.code === "totp_required") {
        // First time: the code field appears; after a wrong code, it says so.
        setFormError(totpCode === null ? null : "That code is not right. Enter the 6 digits your app shows now, or a recovery code.");
        setTotpCode("");
      } else if (err instanceof ApiError) {
        errors.setErrors(err.fieldErrors);
        setFormError(
          err.code === "invalid_credentials"
            ? "That email and password don't match. Check both and try again."
            : err.status === 429
              ? err.problem.detail || "Too many sign-in attempts. Wait a minute and try again."
              : err.problem.detail || err.problem.title,
        );
      } else setFormError(String(err));
    } finally {
      setBusy(false);
    }
  }

  return (
    <form onSubmit={submit} noValidate data-testid="signin-form">
      <Stack gap="md">
        {formError && (
          <Alert color="red" icon={<IconAlertCircle size={18} />} variant="light" role="alert" data-testid="signin-error">
            {formError}
          </Alert>
        )}
        <TextInput
          label="Email"
          type="email"
          value={values.email}
          onChange={set("email")}
          error={errors.get("email")}
          autoComplete="email"
          autoFocus
          required
        />
        <PasswordInput
          label="Password"
          value={values.password}
          onChange={set("password")}
          error={errors.get("password")}
          autoComplete="current-password"
          required
        />
        {totpCode !== null && (
          <TextInput
            label="Code from your authenticator app"
            description="Or one of your recovery codes"
            value={totpCode}
            onChange={(e) => setTotpCode(e.currentTarget.value)}
            autoComplete="one-time-code"
            inputMode="numeric"
            autoFocus
            data-testid="signin-totp"
          />
        )}
        {workspaces && (
          <Radio.Group
            label="Workspace"
            description="This email belongs to several workspaces. Which one?"
            value={workspaceId}
            onChange={setWorkspaceId}
            data-testid="workspace-picker"
          >
            <Stack gap="xs" mt="xs">
              {workspaces.map((w) => (
                <Radio.Card key={w.id} value={w.id} p="sm" radius="md" className={classes.card}>
                  <div className={classes.cardInner}>
                    <Radio.Indicator />
                    <Text fz="sm" fw={500}>
                      {w.name}
                    </Text>
                  </div>
                </Radio.Card>
              ))}
            </Stack>
          </Radio.Group>
        )}
        <Button type="submit" loading={busy} fullWidth mt="xs" data-testid="signin-submit">
          {workspaces || totpCode !== null ? "Continue" : "Sign in"}
        </Button>
        <Button variant="default" fullWidth onClick={() => onSso(values.email)} data-testid="signin-sso">
          Sign in with SSO
        </Button>
        <Anchor component="button" type="button" fz="sm" onClick={onForgot} data-testid="forgot-password" ta="center">
          Forgot password?
        </Anchor>
      </Stack>
    </form>
  );
}
