import { Alert, Anchor, Box, Button, Center, Loader, Paper, PasswordInput, Stack, Text, TextInput, Title } from "@mantine/core";
import { IconAlertCircle, IconCircleCheck } from "@tabler/icons-react";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, type ReactNode, useState } from "react";
import { type Me, Password, roleLabels } from "../../contract/index.js";
import { TotpEnrolment } from "../account/TotpEnrolment.js";
import { ApiError, api } from "../http/client.js";
import classes from "./AuthScreen.module.css";

const tokenFromUrl = () => new URLSearchParams(window.location.search).get("token") ?? "";
const messageOf = (err: unknown) => (err instanceof ApiError ? err.problem.detail || err.problem.title : String(err));

/** Leaves the link page for the app itself, signed in as `me`. */
function useEnter() {
  const qc = useQueryClient();
  return (me: Me | null) => {
    window.history.replaceState(null, "", "/");
    qc.removeQueries({ predicate: (q) => q.queryKey[0] !== "me" });
    qc.setQueryData(["me"], me);
  };
}

function Frame({ title, subtitle, children }: { title: string; subtitle?: ReactNode; children: ReactNode }) {
  return (
    <Box className={classes.page}>
      <Stack w="100%" maw={440} gap="lg">
        <Stack gap={6} align="center">
          <span className={classes.logo} aria-hidden>
            R
          </span>
          <Title order={2} ta="center">
            {title}
          </Title>
          {subtitle && (
            <Text c="dimmed" ta="center" fz="sm">
              {subtitle}
            </Text>
          )}
        </Stack>
        <Paper withBorder p={{ base: "md", xs: "xl" }} radius="lg" shadow="sm">
          {children}
        </Paper>
      </Stack>
    </Box>
  );
}

function ErrorAlert({ children }: { children: ReactNode }) {
  return (
    <Alert color="red" icon={<IconAlertCircle size={18} />} variant="light" role="alert">
      {children}
    </Alert>
  );
}

interface Preview {
  workspaceName: string;
  email: string;
  role: keyof typeof roleLabels;
  hasAccount: boolean;
}

/** The page an invitation's link opens: choose a name and password, or sign in to add the workspace to an account. */
export function InviteScreen({ me }: { me: Me | null }) {
  const token = tokenFromUrl();
  const enter = useEnter();
  const preview = useQuery({
    queryKey: ["invitation", token],
    queryFn: () => api.post<Preview>("/api/v1/invitations/preview", { token }),
    retry: false,
  });
  const [name, setName] = useState("");
  const [password, setPassword] = useState("");
  const [totpCode, setTotpCode] = useState("");
  const [needsCode, setNeedsCode] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  if (preview.isPending)
    return (
      <Center h="100dvh">
        <Loader type="dots" />
      </Center>
    );
  if (preview.isError || !preview.data)
    return (
      <Frame title="This invitation can't be used">
        <Stack gap="md">
          <ErrorAlert>{messageOf(preview.error)}</ErrorAlert>
          <Text fz="sm">Ask the person who invited you to send a new invitation from Settings → Users.</Text>
          <Anchor href="/" fz="sm">
            Go to the sign-in page
          </Anchor>
        </Stack>
      </Frame>
    );
  const p = preview.data;
  const signedInAsInvitee = me?.user.email === p.email;

  async function accept(e?: FormEvent) {
    e?.preventDefault();
    setError(null);
    if (!p.hasAccount) {
      if (!name.trim()) return setError("Enter your name.");
      const checked = Password.safeParse(password);
      if (!checked.success) return setError(checked.error.issues[0]?.message ?? "Choose a longer password.");
    }
    setBusy(true);
    try {
      const body = signedInAsInvitee ? { token } : { token, password, ...(p.hasAccount ? {} : { name }), ...(needsCode ? { totpCode } : {}) };
      enter(await api.post<Me>("/api/v1/invitations/accept", body));
    } catch (err) {
      if (err instanceof ApiError && err.code === "totp_required" && !needsCode) setNeedsCode(true);
      else setError(messageOf(err));
    } finally {
      setBusy(false);
    }
  }

  return (
    <Frame title={`Join ${p.workspaceName}`} subtitle={`You are invited as ${roleLabels[p.role] ?? p.role}, with ${p.email}.`}>
      <form onSubmit={accept} noValidate data-testid="invite-form">
        <Stack gap="md">
          {error && <ErrorAlert>{error}</ErrorAlert>}
          {signedInAsInvitee ? (
            <Text fz="sm">You are signed in as {p.email}: joining adds this workspace to your account.</Text>
          ) : p.hasAccount ? (
            <>
              <Text fz="sm">{p.email} already has a Rapport account. Sign in with its password to add this workspace to it.</Text>
              <PasswordInput label="Password" value={password} onChange={(e) => setPassword(e.currentTarget.value)} autoComplete="current-password" required />
            </>
          ) : (
            <>
              <TextInput
                label="Your name"
                value={name}
                onChange={(e) => setName(e.currentTarget.value)}
                autoComplete="name"
                required
                data-testid="invite-name"
              />
              <PasswordInput
                label="Choose a password"
                description="At least 10 characters"
                value={password}
                onChange={(e) => setPassword(e.currentTarget.value)}
                autoComplete="new-password"
                required
                data-testid="invite-password"
              />
            </>
          )}
          {needsCode && (
            <TextInput
              label="Code from your authenticator app"
              description="Or one of your recovery codes"
              value={totpCode}
              onChange={(e) => setTotpCode(e.currentTarget.value)}
              autoComplete="one-time-code"
              inputMode="numeric"
              autoFocus
            />
          )}
          <Button type="submit" loading={busy} fullWidth data-testid="invite-accept">
            {p.hasAccount ? `Join ${p.workspaceName}` : "Create my account and join"}
          </Button>
        </Stack>
      </form>
    </Frame>
  );
}

/** The page a reset mail's link opens: a new password, then sign in with it. */
export function ResetPasswordScreen() {
  const token = tokenFromUrl();
  const enter = useEnter();
  const [password, setPassword] = useState("");
  const [done, setDone] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  async function submit(e: FormEvent) {
    e.preventDefault();
    setError(null);
    const checked = Password.safeParse(password);
    if (!checked.success) return setError(checked.error.issues[0]?.message ?? "Choose a longer password.");
    setBusy(true);
    try {
      await api.post("/api/v1/auth/password-reset", { token, password });
      setDone(true);
    } catch (err) {
      setError(messageOf(err));
    } finally {
      setBusy(false);
    }
  }

  if (done)
    return (
      <Frame title="Password changed">
        <Stack gap="md">
          <Alert color="green" icon={<IconCircleCheck size={18} />} variant="light">
            Your new password is set, and every device that was signed in has been signed out.
          </Alert>
          <Button onClick={() => enter(null)} data-testid="reset-signin">
            Sign in
          </Button>
        </Stack>
      </Frame>
    );
  return (
    <Frame title="Choose a new password">
      <form onSubmit={submit} noValidate data-testid="reset-form">
        <Stack gap="md">
          {error && <ErrorAlert>{error}</ErrorAlert>}
          <PasswordInput
            label="New password"
            description="At least 10 characters"
            value={password}
            onChange={(e) => setPassword(e.currentTarget.value)}
            autoComplete="new-password"
            autoFocus
            required
          />
          <Button type="submit" loading={busy} fullWidth>
            Set password
          </Button>
        </Stack>
      </form>
    </Frame>
  );
}

/** A workspace that requires two-step sign-in, for a person who has none yet: nothing else opens until it is set up. */
export function EnrolTotpScreen({ me }: { me: Me }) {
  const qc = useQueryClient();
  return (
    <Frame title="Set up two-step sign-in" subtitle={`${me.workspace.name} requires a code from an authenticator app when you sign in. Set it up to continue.`}>
      <Stack gap="md">
        <TotpEnrolment onDone={() => void qc.invalidateQueries({ queryKey: ["me"] })} />
        <Anchor
          component="button"
          type="button"
          fz="sm"
          onClick={async () => {
            await api.post("/api/v1/auth/logout");
            qc.setQueryData(["me"], null);
          }}
        >
          Sign out
        </Anchor>
      </Stack>
    </Frame>
  );
}
