import { Button, Center, Loader, Stack, Text, Title } from "@mantine/core";
import { useQuery } from "@tanstack/react-query";
import { RouterProvider } from "@tanstack/react-router";
import { lazy, Suspense } from "react";
import { accessQuery, meQuery } from "../http/queries.js";
import { setTimeZone } from "../lib/dates.js";
import { AccessContext, MeContext } from "./me.js";
import { router } from "./router.js";

const AuthScreen = lazy(() => import("../auth/AuthScreen.js"));
const InviteScreen = lazy(() => import("../auth/LinkScreens.js").then((m) => ({ default: m.InviteScreen })));
const ResetPasswordScreen = lazy(() => import("../auth/LinkScreens.js").then((m) => ({ default: m.ResetPasswordScreen })));
const EnrolTotpScreen = lazy(() => import("../auth/LinkScreens.js").then((m) => ({ default: m.EnrolTotpScreen })));

export function FullPageLoader() {
  return (
    <Center h="100dvh" data-testid="page-loader">
      <Loader type="dots" />
    </Center>
  );
}

export function Root() {
  const me = useQuery(meQuery);
  const signedIn = Boolean(me.data && !me.data.mustEnrolTotp);
  // The role's rights decide which buttons every page shows, so they load before the first page does.
  const access = useQuery({ ...accessQuery, enabled: signedIn });

  if (me.isPending || (signedIn && access.isPending)) return <FullPageLoader />;
  if (me.isError) {
    return (
      <Center h="100dvh" p="md">
        <Stack align="center" gap="sm" maw={420} ta="center">
          <Title order={3}>Rapport can't reach its server</Title>
          <Text c="dimmed">{me.error.message}</Text>
          <Button onClick={() => me.refetch()} loading={me.isFetching}>
            Try again
          </Button>
        </Stack>
      </Center>
    );
  }
  // Links from mail open their own page, signed in or not (an invitation may add a workspace to a signed-in person).
  const path = window.location.pathname.replace(/\/$/, "");
  if (path === "/invite" || path === "/reset-password") {
    return <Suspense fallback={<FullPageLoader />}>{path === "/invite" ? <InviteScreen me={me.data} /> : <ResetPasswordScreen />}</Suspense>;
  }
  if (me.data?.mustEnrolTotp) {
    return (
      <Suspense fallback={<FullPageLoader />}>
        <EnrolTotpScreen me={me.data} />
      </Suspense>
    );
  }
  if (!me.data) {
    return (
      <Suspense fallback={<FullPageLoader />}>
        <AuthScreen />
      </Suspense>
    );
  }
  // Before any page renders: every date below is shown in the workspace's zone. A changed zone remounts the app
  // so nothing keeps text formatted in the old one.
  const tz = me.data.workspace.timeZone;
  setTimeZone(tz);
  return (
    <MeContext.Provider value={me.data}>
      <AccessContext.Provider value={access.data ?? null}>
        <RouterProvider key={tz} router={router} />
      </AccessContext.Provider>
    </MeContext.Provider>
  );
}
