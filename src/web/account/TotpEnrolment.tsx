import { Alert, Box, Button, Code, Group, List, PasswordInput, PinInput, SimpleGrid, Stack, Text } from "@mantine/core";
import { IconAlertCircle, IconShieldCheck } from "@tabler/icons-react";
import { useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { ApiError, api } from "../http/client.js";

interface Setup {
  secret: string;
  uri: string;
  qrSvg: string;
}

const messageOf = (err: unknown) => (err instanceof ApiError ? err.problem.detail || err.problem.title : String(err));

/**
 * Setting up an authenticator app: scan the QR code (or type the key), confirm with the code the app shows, then
 * keep the recovery codes, which are shown this once.
 */
export function TotpEnrolment({ onDone }: { onDone?: () => void }) {
  const qc = useQueryClient();
  const [setup, setSetup] = useState<Setup | null>(null);
  const [code, setCode] = useState("");
  const [recovery, setRecovery] = useState<string[] | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  async function start() {
    setBusy(true);
    setError(null);
    try {
      setSetup(await api.post<Setup>("/api/v1/account/totp/setup"));
    } catch (e) {
      setError(messageOf(e));
    } finally {
      setBusy(false);
    }
  }

  async function confirm(value = code) {
    setBusy(true);
    setError(null);
    try {
      const res = await api.post<{ recoveryCodes: string[] }>("/api/v1/account/totp/confirm", { code: value });
      // The page learns it is on only when "I have saved them" is pressed: refreshing it now would replace these
      // codes, shown this once, with the "on" state.
      setRecovery(res.recoveryCodes);
    } catch (e) {
      setError(messageOf(e));
      setCode("");
    } finally {
      setBusy(false);
    }
  }

  if (recovery) {
    return (
      <Stack gap="sm" data-testid="totp-recovery">
        <Alert color="green" icon={<IconShieldCheck size={18} />} variant="light" title="Two-step sign-in is on">
          From now on, signing in asks for the code your app shows.
        </Alert>
        <Text fz="sm">
          Keep these recovery codes somewhere safe (a password manager, or on paper). Each one signs you in once if you lose your phone.{" "}
          <strong>They are shown only now.</strong>
        </Text>
        <SimpleGrid cols={2} spacing={6}>
          {recovery.map((c) => (
            <Code key={c} fz="sm">
              {c}
            </Code>
          ))}
        </SimpleGrid>
        <Group>
          <Button
            onClick={() => {
              void qc.invalidateQueries({ queryKey: ["me"] });
              onDone?.();
            }}
            data-testid="totp-done"
          >
            I have saved them
          </Button>
        </Group>
      </Stack>
    );
  }

  if (!setup) {
    return (
      <Stack gap="sm" align="flex-start">
        {error && (
          <Alert color="red" icon={<IconAlertCircle size={18} />} variant="light" role="alert">
            {error}
          </Alert>
        )}
        <Text fz="sm" c="dimmed">
          Use an authenticator app (such as Google Authenticator, Microsoft Authenticator, 1Password or Bitwarden): signing in then needs your password and a
          6-digit code from your phone.
        </Text>
        <Button onClick={start} loading={busy} data-testid="totp-start">
          Set up an authenticator app
        </Button>
      </Stack>
    );
  }

  return (
    <Stack gap="sm" data-testid="totp-setup">
      <List type="ordered" fz="sm" spacing={4}>
        <List.Item>Scan this QR code with your authenticator app.</List.Item>
        <List.Item>Enter the 6-digit code it shows.</List.Item>
      </List>
      {/* The server renders the QR code as SVG markup from the otpauth URI (no external service sees the secret). */}
      <Box
        w={200}
        h={200}
        bg="white"
        p={8}
        style={{ borderRadius: 8 }}
        aria-label="QR code for your authenticator app"
        role="img"
        // biome-ignore lint/security/noDangerouslySetInnerHtml: SVG made by the server's QR encoder from our own URI, no user text
        dangerouslySetInnerHTML={{ __html: setup.qrSvg.replace("<svg", '<svg width="184" height="184"') }}
      />
      <Text fz="xs" c="dimmed">
        Can't scan? Type this key instead: <Code data-testid="totp-secret">{setup.secret}</Code>
      </Text>
      {error && (
        <Alert color="red" icon={<IconAlertCircle size={18} />} variant="light" role="alert">
          {error}
        </Alert>
      )}
      <form
        onSubmit={(e) => {
          e.preventDefault();
          void confirm();
        }}
      >
        <Group align="flex-end">
          <Stack gap={4}>
            <Text fz="sm" fw={500}>
              Code from the app
            </Text>
            <PinInput
              length={6}
              type="number"
              oneTimeCode
              value={code}
              onChange={setCode}
              onComplete={(v) => void confirm(v)}
              aria-label="Code from the app"
              data-testid="totp-confirm-code"
            />
          </Stack>
          <Button type="submit" loading={busy} disabled={code.length !== 6} data-testid="totp-confirm">
            Turn on
          </Button>
        </Group>
      </form>
    </Stack>
  );
}

/** Turning the second factor off asks for the password again. */
export function TotpDisable({ onDone }: { onDone: () => void }) {
  const [password, setPassword] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  return (
    <form
      onSubmit={async (e) => {
        e.preventDefault();
        setBusy(true);
        setError(null);
        try {
          await api.post("/api/v1/account/totp/disable", { password });
          onDone();
        } catch (err) {
          setError(messageOf(err));
        } finally {
          setBusy(false);
        }
      }}
    >
      <Group align="flex-end">
        <PasswordInput label="Your password" value={password} onChange={(e) => setPassword(e.currentTarget.value)} error={error} w={260} />
        <Button type="submit" color="red" variant="light" loading={busy} disabled={!password}>
          Turn off
        </Button>
      </Group>
    </form>
  );
}
