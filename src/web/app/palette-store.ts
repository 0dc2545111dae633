import { createSpotlight } from "@mantine/spotlight";

// A dedicated store so the header can open the palette before its (lazily loaded) UI mounts:
// the Spotlight reads the store's `opened` state when it appears.
export const [paletteStore, paletteActions] = createSpotlight();
export const openPalette = () => paletteActions.open();

/** Highlight the first action (so Enter opens the best match once results arrive). */
export function selectFirstAction() {
  const state = paletteStore.getState();
  const list = state.listId ? document.getElementById(state.listId) : null;
  if (!list) return;
  list.querySelector("[data-selected]")?.removeAttribute("data-selected");
  const first = list.querySelector("[data-action]");
  if (!first) return;
  first.setAttribute("data-selected", "true");
  paletteStore.updateState((s) => ({ ...s, selected: 0 }));
}
