import { ActionIcon, AppShell, Avatar, Badge, Burger, Group, Kbd, Menu, NavLink, Text, UnstyledButton, useMantineColorScheme } from "@mantine/core";
import { useDisclosure, useHotkeys, useMediaQuery, useWindowEvent } from "@mantine/hooks";
import { notifications } from "@mantine/notifications";
import {
  IconActivityHeartbeat,
  IconApi,
  IconBell,
  IconBolt,
  IconBook,
  IconBuilding,
  IconBuildingSkyscraper,
  IconCalendar,
  IconChartBar,
  IconChartDots,
  IconChartPie,
  IconCheck,
  IconChecklist,
  IconChevronDown,
  IconClockHour4,
  IconCopy,
  IconDevices,
  IconFileImport,
  IconFilter,
  IconForms,
  IconGauge,
  IconHeadset,
  IconHome,
  IconKeyboard,
  IconLayoutDashboard,
  IconLayoutKanban,
  IconLock,
  IconLogout,
  IconMail,
  IconMailbox,
  IconMailCog,
  IconMailOff,
  IconMoodSmile,
  IconMoon,
  IconPackage,
  IconRoute,
  IconSearch,
  IconSettings,
  IconShieldCheck,
  IconShieldLock,
  IconSpeakerphone,
  IconSun,
  IconTargetArrow,
  IconTemplate,
  IconTicket,
  IconTimeline,
  IconTrash,
  IconUserCircle,
  IconUsers,
  IconUsersGroup,
  IconWebhook,
} from "@tabler/icons-react";
import { useQueryClient } from "@tanstack/react-query";
import { Link, Outlet, useNavigate, useRouterState } from "@tanstack/react-router";
import { lazy, type ReactNode, type RefObject, Suspense, useContext, useEffect, useRef, useState } from "react";
import type { Me } from "../../contract/index.js";
import { api } from "../http/client.js";
import { accessQuery } from "../http/queries.js";
import { initials, isMac, roleLabels } from "../lib/format.js";
import { notifyError } from "../lib/notify.js";
import classes from "./AppLayout.module.css";
import { trackFocus } from "./focus-return.js";
import { AccessContext, useMe, usePermissions } from "./me.js";
import { openPalette, paletteActions } from "./palette-store.js";
import { ShortcutsDialog, useKeyboardShortcuts } from "./shortcuts.js";

const CommandPalette = lazy(() => import("./CommandPalette.js"));
// The bell's popover (list, preferences) loads just after the first render, keeping the initial bundle small.
const NotificationBell = lazy(() => import("../notifications/NotificationBell.js").then((m) => ({ default: m.NotificationBell })));

export function AppLayout() {
  const [opened, { toggle, close }] = useDisclosure();
  const isPhone = useMediaQuery("(max-width: 48em)") ?? false;
  const pathname = useRouterState({ select: (s) => s.location.pathname });
  // Close the phone navbar after navigating.
  // biome-ignore lint/correctness/useExhaustiveDependencies: runs on navigation on purpose
  useEffect(() => {
    close();
  }, [pathname, close]);

  // The palette's UI loads lazily after the shell; the shortcuts live here so an early Ctrl/Cmd+K
  // is never lost (the palette opens as soon as its chunk arrives).
  const [paletteReady, setPaletteReady] = useState(false);
  useEffect(() => {
    const t = setTimeout(() => setPaletteReady(true), 200);
    return () => clearTimeout(t);
  }, []);
  useHotkeys(
    [
      [
        "mod+K",
        () => {
          setPaletteReady(true);
          paletteActions.toggle();
        },
      ],
    ],
    [],
  );
  useEffect(() => trackFocus(), []);
  const { isAdmin } = usePermissions();
  const [shortcutsOpened, shortcuts] = useDisclosure();
  useKeyboardShortcuts({
    isAdmin,
    onHelp: shortcuts.open,
    onSearch: () => {
      setPaletteReady(true);
      openPalette();
    },
  });

  // Opening the phone navigation moves focus into it (it sits after the header in the tab order).
  useEffect(() => {
    if (opened && isPhone) document.querySelector<HTMLElement>('[data-testid="navbar"] a')?.focus();
  }, [opened, isPhone]);
  // Esc closes the phone navigation and puts focus back on the burger that opened it.
  const burgerRef = useRef<HTMLButtonElement>(null);
  useWindowEvent("keydown", (e) => {
    if (e.key !== "Escape" || !opened || !isPhone || e.defaultPrevented) return;
    close();
    burgerRef.current?.focus();
  });

  return (
    <AppShell header={{ height: 56 }} navbar={{ width: 240, breakpoint: "sm", collapsed: { mobile: !opened } }} padding={{ base: "sm", sm: "lg" }}>
      <AppShell.Header>
        <Header navOpened={opened} onToggleNav={toggle} burgerRef={burgerRef} onShortcuts={shortcuts.open} />
      </AppShell.Header>
      {/* Off-screen on phones until the burger opens it: keep it out of the tab order meanwhile. */}
      <AppShell.Navbar p="xs" data-testid="navbar" inert={isPhone && !opened ? true : undefined}>
        <Navigation pathname={pathname} />
      </AppShell.Navbar>
      <AppShell.Main>
        <Outlet />
      </AppShell.Main>
      <ShortcutsDialog opened={shortcutsOpened} onClose={shortcuts.close} isAdmin={isAdmin} />
      {paletteReady && (
        <Suspense fallback={null}>
          <CommandPalette />
        </Suspense>
      )}
    </AppShell>
  );
}

function Header({
  navOpened,
  onToggleNav,
  burgerRef,
  onShortcuts,
}: {
  navOpened: boolean;
  onToggleNav: () => void;
  burgerRef: RefObject<HTMLButtonElement | null>;
  onShortcuts: () => void;
}) {
  const me = useMe();
  const roleName = useContext(AccessContext)?.roleName;
  const qc = useQueryClient();
  const { colorScheme, toggleColorScheme } = useMantineColorScheme();
  const [signingOut, setSigningOut] = useState(false);
  const navigate = useNavigate();

  const [switching, setSwitching] = useState(false);
  /** Opens another of my workspaces: a new session there, and nothing cached from this one survives. */
  async function switchTo(workspaceId: string) {
    setSwitching(true);
    try {
      const next = await api.post<Me>("/api/v1/auth/switch", { workspaceId });
      notifications.clean();
      qc.removeQueries({ predicate: (q) => q.queryKey[0] !== "me" });
      try {
        for (const k of Object.keys(sessionStorage)) if (k.startsWith("rapport:")) sessionStorage.removeItem(k);
      } catch {
        /* ignore */
      }
      // The role, and so the rights, are this workspace's: fetched before the next page renders.
      await qc.fetchQuery({ ...accessQuery, staleTime: 0 });
      await navigate({ to: "/home" });
      qc.setQueryData(["me"], next);
    } catch (e) {
      notifyError(e, "Could not switch workspace");
    } finally {
      setSwitching(false);
    }
  }

  async function signOut() {
    setSigningOut(true);
    try {
      await api.post("/api/v1/auth/logout");
      notifications.clean();
      qc.setQueryData(["me"], null);
      qc.removeQueries({ predicate: (q) => q.queryKey[0] !== "me" });
      try {
        for (const k of Object.keys(sessionStorage)) if (k.startsWith("rapport:")) sessionStorage.removeItem(k);
      } catch {
        /* ignore */
      }
    } catch (e) {
      notifyError(e, "Could not sign out");
    } finally {
      setSigningOut(false);
    }
  }

  return (
    <Group h="100%" px="md" justify="space-between" wrap="nowrap" gap="sm">
      <Group gap="sm" wrap="nowrap" miw={0}>
        <Burger
          ref={burgerRef}
          opened={navOpened}
          onClick={onToggleNav}
          hiddenFrom="sm"
          size="sm"
          aria-label={navOpened ? "Close navigation" : "Open navigation"}
          data-testid="nav-burger"
        />
        {/* The link's name is its visible word (WCAG 2.5.3): the logo's letter is drawn by CSS, and on phones the
            word is only visually hidden so the link keeps its name. */}
        <Link to="/home" className={classes.brand}>
          <span className={classes.logo} aria-hidden />
          <Text fw={700} fz="lg" className={classes.brandText}>
            Rapport
          </Text>
        </Link>
        <Text c="dimmed" fz="sm" visibleFrom="md" truncate data-testid="workspace-name">
          {me.workspace.name}
        </Text>
      </Group>

      <Group gap="xs" wrap="nowrap">
        <Suspense
          fallback={
            <ActionIcon variant="default" size="lg" aria-label="Notifications" disabled>
              <IconBell size={18} />
            </ActionIcon>
          }
        >
          <NotificationBell />
        </Suspense>
        <UnstyledButton className={classes.search} onClick={openPalette} visibleFrom="xs" data-testid="search-button" aria-keyshortcuts="Control+K Meta+K">
          <IconSearch size={16} stroke={1.8} />
          <Text fz="sm" c="dimmed" className={classes.searchText}>
            Search…
          </Text>
          <Group gap={2} wrap="nowrap">
            <Kbd size="xs">{isMac() ? "⌘" : "Ctrl"}</Kbd>
            <Kbd size="xs">K</Kbd>
          </Group>
        </UnstyledButton>
        <ActionIcon variant="default" size="lg" hiddenFrom="xs" onClick={openPalette} aria-label="Search" data-testid="search-button-mobile">
          <IconSearch size={18} />
        </ActionIcon>

        <Menu position="bottom-end" width={240} withinPortal>
          <Menu.Target>
            {/* The name starts with everything the button shows (initials, name, workspace), as WCAG 2.5.3 asks;
                the spaces keep the words apart for assistive technology. */}
            <UnstyledButton
              className={classes.user}
              data-testid="user-menu"
              aria-label={`${initials(me.user.name)} ${me.user.name}, ${me.workspace.name}: account menu`}
            >
              <Avatar size={30} radius="xl" color="indigo">
                {initials(me.user.name)}
              </Avatar>{" "}
              <div className={classes.userText}>
                <Text fz="sm" fw={500} lh={1.2} truncate>
                  {me.user.name}
                </Text>{" "}
                <Text fz="xs" c="dimmed" lh={1.2} truncate>
                  {me.workspace.name}
                </Text>
              </div>
              <IconChevronDown size={14} className={classes.userText} />
            </UnstyledButton>
          </Menu.Target>
          <Menu.Dropdown>
            <Menu.Label>
              <Text fz="sm" fw={500} c="var(--mantine-color-text)" truncate>
                {me.user.name}
              </Text>
              <Text fz="xs" c="dimmed" truncate>
                {me.user.email}
              </Text>
              <Group gap={6} mt={6}>
                <Badge size="xs" variant="light">
                  {roleName ?? roleLabels[me.user.role] ?? me.user.role}
                </Badge>
                <Text fz="xs" c="dimmed" truncate>
                  {me.workspace.name}
                </Text>
              </Group>
            </Menu.Label>
            <Menu.Divider />
            {me.workspaces.length > 1 && (
              <>
                <Menu.Label>Switch workspace</Menu.Label>
                {me.workspaces.map((w) => (
                  <Menu.Item
                    key={w.id}
                    leftSection={w.id === me.workspace.id ? <IconCheck size={16} /> : <IconBuildingSkyscraper size={16} />}
                    onClick={() => w.id !== me.workspace.id && void switchTo(w.id)}
                    disabled={switching}
                    aria-current={w.id === me.workspace.id ? "true" : undefined}
                    data-testid="switch-workspace"
                  >
                    {w.name}
                  </Menu.Item>
                ))}
                <Menu.Divider />
              </>
            )}
            <Menu.Item leftSection={<IconUserCircle size={16} />} component={Link} to="/account" data-testid="open-account">
              My account
            </Menu.Item>
            <Menu.Item leftSection={colorScheme === "dark" ? <IconSun size={16} /> : <IconMoon size={16} />} onClick={toggleColorScheme}>
              {colorScheme === "dark" ? "Light theme" : "Dark theme"}
            </Menu.Item>
            <Menu.Item leftSection={<IconKeyboard size={16} />} rightSection={<Kbd size="xs">?</Kbd>} onClick={onShortcuts} data-testid="open-shortcuts">
              Keyboard shortcuts
            </Menu.Item>
            <Menu.Item leftSection={<IconDevices size={16} />} component={Link} to="/account/sessions" data-testid="my-sessions">
              My sessions
            </Menu.Item>
            <Menu.Item leftSection={<IconBook size={16} />} component="a" href="/api/docs" target="_blank">
              API documentation
            </Menu.Item>
            <Menu.Divider />
            <Menu.Item color="red" leftSection={<IconLogout size={16} />} onClick={signOut} disabled={signingOut} data-testid="sign-out">
              Sign out
            </Menu.Item>
          </Menu.Dropdown>
        </Menu>
      </Group>
    </Group>
  );
}

function Navigation({ pathname }: { pathname: string }) {
  useEffect(() => trackFocus(), []);
  const { isAdmin, may } = usePermissions();
  const active = (p: string) => pathname === p || pathname.startsWith(`${p}/`);
  const item = (to: string, label: string, icon: ReactNode, testId: string) => (
    <NavLink key={to} component={Link} to={to} label={label} leftSection={icon} active={active(to)} className={classes.navLink} data-testid={testId} />
  );
  return (
    <>
      <AppShell.Section grow style={{ overflowY: "auto" }}>
        {item("/home", "Home", <IconHome size={18} stroke={1.7} />, "nav-home")}
        {item("/contacts", "Contacts", <IconUsers size={18} stroke={1.7} />, "nav-contacts")}
        {item("/leads", "Leads", <IconFilter size={18} stroke={1.7} />, "nav-leads")}
        {item("/companies", "Companies", <IconBuilding size={18} stroke={1.7} />, "nav-companies")}
        {item("/deals", "Deals", <IconTargetArrow size={18} stroke={1.7} />, "nav-deals")}
        {may("segment", "read") && item("/segments", "Segments", <IconUsersGroup size={18} stroke={1.7} />, "nav-segments")}
        {may("ticket", "read") && item("/tickets", "Tickets", <IconTicket size={18} stroke={1.7} />, "nav-tickets")}
        {item("/tasks", "Tasks", <IconChecklist size={18} stroke={1.7} />, "nav-tasks")}
        {item("/calendar", "Calendar", <IconCalendar size={18} stroke={1.7} />, "nav-calendar")}
        {item("/products", "Products", <IconPackage size={18} stroke={1.7} />, "nav-products")}
        {item("/kb", "Knowledge base", <IconBook size={18} stroke={1.7} />, "nav-kb")}
        {item("/forecast", "Forecast", <IconChartBar size={18} stroke={1.7} />, "nav-forecast")}
        {item("/reports", "Reports", <IconChartPie size={18} stroke={1.7} />, "nav-reports")}
        {item("/dashboards", "Dashboards", <IconLayoutDashboard size={18} stroke={1.7} />, "nav-dashboards")}
        {/* Those who work tickets; the server refuses the rest (sales, read-only) the same way. */}
        {may("ticket", "edit") && item("/service/dashboard", "Service dashboard", <IconHeadset size={18} stroke={1.7} />, "nav-service-dashboard")}
        {item("/trash", "Trash", <IconTrash size={18} stroke={1.7} />, "nav-trash")}
        {item("/data-quality", "Data quality", <IconCopy size={18} stroke={1.7} />, "nav-data-quality")}
        {item("/imports", "Import", <IconFileImport size={18} stroke={1.7} />, "nav-imports")}
        <Text fz="xs" fw={600} c="dimmed" tt="uppercase" px="sm" mt="lg" mb={4}>
          Automation
        </Text>
        {item("/workflows", "Workflows", <IconBolt size={18} stroke={1.7} />, "nav-workflows")}
        <Text fz="xs" fw={600} c="dimmed" tt="uppercase" px="sm" mt="lg" mb={4}>
          Marketing
        </Text>
        {item("/marketing/templates", "Templates", <IconTemplate size={18} stroke={1.7} />, "nav-email-templates")}
        {may("sequence", "read") && item("/marketing/sequences", "Sequences", <IconTimeline size={18} stroke={1.7} />, "nav-sequences")}
        {may("campaign", "read") && item("/marketing/campaigns", "Campaigns", <IconSpeakerphone size={18} stroke={1.7} />, "nav-campaigns")}
        {isAdmin && (
          <>
            <Text fz="xs" fw={600} c="dimmed" tt="uppercase" px="sm" mt="lg" mb={4}>
              Settings
            </Text>
            {item("/settings/workspace", "Workspace", <IconSettings size={18} stroke={1.7} />, "nav-workspace")}
            {item("/settings/users", "Users & teams", <IconUsersGroup size={18} stroke={1.7} />, "nav-users")}
            {item("/settings/roles", "Roles", <IconLock size={18} stroke={1.7} />, "nav-roles")}
            {item("/settings/custom-fields", "Custom fields", <IconForms size={18} stroke={1.7} />, "nav-custom-fields")}
            {item("/settings/pipelines", "Pipelines", <IconLayoutKanban size={18} stroke={1.7} />, "nav-pipelines")}
            {item("/settings/service-levels", "Service levels", <IconClockHour4 size={18} stroke={1.7} />, "nav-service-levels")}
            {item("/settings/predictions", "Predictions", <IconChartDots size={18} stroke={1.7} />, "nav-predictions")}
            {item("/settings/api-keys", "API keys", <IconApi size={18} stroke={1.7} />, "nav-api-keys")}
            {item("/settings/sso", "Single sign-on", <IconShieldLock size={18} stroke={1.7} />, "nav-sso")}
            {item("/settings/satisfaction", "Satisfaction surveys", <IconMoodSmile size={18} stroke={1.7} />, "nav-satisfaction")}
            {item("/settings/webhooks", "Webhooks", <IconWebhook size={18} stroke={1.7} />, "nav-webhooks")}
            {item("/settings/audit", "Audit log", <IconShieldCheck size={18} stroke={1.7} />, "nav-audit")}
            {item("/settings/jobs", "Jobs", <IconActivityHeartbeat size={18} stroke={1.7} />, "nav-jobs")}
            {item("/settings/email", "Email log", <IconMail size={18} stroke={1.7} />, "nav-email")}
            {item("/settings/email-sending", "Email sending", <IconMailCog size={18} stroke={1.7} />, "nav-email-sending")}
            {item("/settings/mailboxes", "Mailboxes", <IconMail size={18} stroke={1.7} />, "nav-mailboxes")}
            {item("/settings/forms", "Web forms", <IconForms size={18} stroke={1.7} />, "nav-forms")}
            {item("/settings/subscription-topics", "Subscription topics", <IconMailbox size={18} stroke={1.7} />, "nav-subscription-topics")}
            {item("/settings/suppression", "Suppression list", <IconMailOff size={18} stroke={1.7} />, "nav-suppression")}
            {item("/settings/assignment", "Lead assignment", <IconRoute size={18} stroke={1.7} />, "nav-assignment")}
            {item("/settings/scoring", "Lead scoring", <IconGauge size={18} stroke={1.7} />, "nav-scoring")}
            {item("/settings/service", "Service desk", <IconHeadset size={18} stroke={1.7} />, "nav-service")}
          </>
        )}
      </AppShell.Section>
      <AppShell.Section>
        <NavLink
          component="a"
          href="/api/docs"
          target="_blank"
          label="API docs"
          leftSection={<IconBook size={18} stroke={1.7} />}
          className={classes.navLink}
        />
      </AppShell.Section>
    </>
  );
}
