import { Kbd, Modal, Stack, Table, Text, Title } from "@mantine/core";
import { useNavigate } from "@tanstack/react-router";
import { Fragment, type ReactNode, useEffect, useRef } from "react";
import { isMac } from "../lib/format.js";

/** `g` then one of these keys goes to the page; `admin` ones only for admins (the only ones who see that page). */
export const goToShortcuts = [
  { key: "h", to: "/home", label: "Home (my day)" },
  { key: "c", to: "/contacts", label: "Contacts" },
  { key: "o", to: "/companies", label: "Companies (organisations)" },
  { key: "l", to: "/leads", label: "Leads" },
  { key: "d", to: "/deals", label: "Deals" },
  { key: "t", to: "/tasks", label: "Tasks" },
  { key: "a", to: "/calendar", label: "Calendar (agenda)" },
  { key: "p", to: "/products", label: "Products" },
  { key: "f", to: "/forecast", label: "Forecast" },
  { key: "q", to: "/data-quality", label: "Data quality" },
  { key: "i", to: "/imports", label: "Import" },
  { key: "x", to: "/trash", label: "Trash" },
  { key: "s", to: "/settings", label: "Settings", admin: true },
] as const;

/** How long after `g` the second key still counts. */
const SEQUENCE_MS = 1500;

/**
 * Where a keystroke is text, not a command: form fields, rich-text editors, and the open options of a combobox.
 * Shortcuts never fire there, so typing "c" into a name field types a c.
 */
export function isTypingTarget(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  if (target.isContentEditable) return true;
  const tag = target.tagName;
  if (tag === "TEXTAREA" || tag === "SELECT") return true;
  if (tag === "INPUT") {
    const type = (target as HTMLInputElement).type;
    return !["button", "checkbox", "radio", "reset", "submit", "range", "color", "file", "image"].includes(type);
  }
  return target.closest('[role="textbox"], [role="combobox"], [role="listbox"]') !== null;
}

/**
 * Whether the key belongs to a dialog: open dialogs trap focus, so their keys come from inside them. (A closing
 * dialog, still fading out, has already handed focus back and no longer holds shortcuts up.)
 */
function inDialog(target: EventTarget | null): boolean {
  return target instanceof Element && target.closest('[role="dialog"]') !== null;
}

/** The page's visible control that announces `key` through aria-keyshortcuts (its create button, its search box). */
function pageControl(key: string): HTMLElement | null {
  const main = document.querySelector("main");
  if (!main) return null;
  for (const el of main.querySelectorAll<HTMLElement>(`[aria-keyshortcuts~="${key}"]`)) {
    if (el.getClientRects().length > 0 && !(el as HTMLButtonElement).disabled) return el;
  }
  return null;
}

/**
 * The app's single-key shortcuts: `?` lists them, `g` + key goes to a page, `c` creates on a list page, `/` focuses
 * the page's search (or opens the global search where a page has none). Never while typing, never with Ctrl, Alt or
 * Cmd held (those belong to the browser and the OS), and never behind an open dialog.
 */
export function useKeyboardShortcuts({ isAdmin, onHelp, onSearch }: { isAdmin: boolean; onHelp: () => void; onSearch: () => void }) {
  const navigate = useNavigate();
  const pendingG = useRef(0);
  // The handler reads the latest callbacks without re-subscribing on every render.
  const latest = useRef({ isAdmin, onHelp, onSearch, navigate });
  latest.current = { isAdmin, onHelp, onSearch, navigate };

  useEffect(() => {
    const onKeyDown = (e: KeyboardEvent) => {
      if (e.defaultPrevented || e.repeat || e.isComposing || e.ctrlKey || e.metaKey || e.altKey) return;
      if (isTypingTarget(e.target)) return;
      if (inDialog(e.target)) return;
      const { isAdmin, onHelp, onSearch, navigate } = latest.current;
      // `?` is Shift+/ on most layouts, so Shift is allowed for it alone.
      if (e.key === "?") {
        e.preventDefault();
        pendingG.current = 0;
        onHelp();
        return;
      }
      if (e.shiftKey || e.key.length !== 1) return;
      const key = e.key.toLowerCase();
      if (pendingG.current && Date.now() - pendingG.current < SEQUENCE_MS) {
        pendingG.current = 0;
        const target = goToShortcuts.find((s) => s.key === key && (!("admin" in s) || isAdmin));
        if (target) {
          e.preventDefault();
          void navigate({ to: target.to });
        }
        return;
      }
      pendingG.current = 0;
      if (key === "g") {
        pendingG.current = Date.now();
        return;
      }
      if (key === "c") {
        const create = pageControl("c");
        if (create) {
          e.preventDefault();
          // Focus first, so the form's dialog hands focus back to this button when it closes.
          create.focus();
          create.click();
        }
        return;
      }
      if (key === "/") {
        e.preventDefault();
        const search = pageControl("/");
        if (search) search.focus();
        else onSearch();
      }
    };
    document.addEventListener("keydown", onKeyDown);
    return () => document.removeEventListener("keydown", onKeyDown);
  }, []);
}

function Keys({ keys }: { keys: string[] }) {
  return (
    <Text component="span" fz="sm" style={{ whiteSpace: "nowrap" }}>
      {keys.map((k, i) => (
        <Fragment key={k}>
          {i > 0 && (
            <Text span c="dimmed" fz="xs" mx={4}>
              then
            </Text>
          )}
          <Kbd>{k}</Kbd>
        </Fragment>
      ))}
    </Text>
  );
}

function ShortcutTable({ caption, rows }: { caption: string; rows: { keys: string[]; action: ReactNode }[] }) {
  return (
    <Stack gap={4}>
      <Title order={3} fz="sm">
        {caption}
      </Title>
      <Table verticalSpacing={6} horizontalSpacing="xs" withRowBorders={false} aria-label={caption}>
        <Table.Tbody>
          {rows.map((r) => (
            <Table.Tr key={r.keys.join("+")} data-testid="shortcut-row">
              <Table.Td w={150}>
                <Keys keys={r.keys} />
              </Table.Td>
              <Table.Td fz="sm">{r.action}</Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Stack>
  );
}

/** The `?` dialog: every shortcut the app answers to, so none has to be guessed. */
export function ShortcutsDialog({ opened, onClose, isAdmin }: { opened: boolean; onClose: () => void; isAdmin: boolean }) {
  const mod = isMac() ? "⌘" : "Ctrl";
  return (
    <Modal opened={opened} onClose={onClose} title="Keyboard shortcuts" size="lg" data-testid="shortcuts-dialog">
      <Stack gap="md">
        <Text fz="sm" c="dimmed">
          Shortcuts work anywhere outside text fields and open dialogs.
        </Text>
        <ShortcutTable
          caption="Anywhere"
          rows={[
            { keys: ["?"], action: "Show this list" },
            { keys: ["/"], action: "Search this list, or search everything on pages without a list" },
            { keys: [`${mod} K`], action: "Search contacts and companies, or jump to a page" },
            { keys: ["c"], action: "Create a record on a list page (contact, company, lead, deal, task, meeting, product)" },
            { keys: ["Esc"], action: "Close a dialog, menu or the phone navigation" },
          ]}
        />
        <ShortcutTable caption="Go to" rows={goToShortcuts.filter((s) => !("admin" in s) || isAdmin).map((s) => ({ keys: ["g", s.key], action: s.label }))} />
      </Stack>
    </Modal>
  );
}
