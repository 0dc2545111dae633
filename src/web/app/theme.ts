import {
  type CSSVariablesResolver,
  createTheme,
  Drawer,
  darken,
  lighten,
  luminance,
  type MantineTheme,
  Menu,
  Modal,
  TableScrollContainer,
} from "@mantine/core";
import { restoreLostFocus } from "./focus-return.js";

export const theme = createTheme({
  primaryColor: "indigo",
  defaultRadius: "md",
  fontFamily: 'Inter, ui-sans-serif, system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, "Noto Sans", sans-serif',
  headings: { fontWeight: "650" },
  cursorType: "pointer",
  components: {
    // Mantine's close buttons are icon-only; without a name a screen reader announces just "button". Focus that a
    // closing dialog could not hand back (its opener is gone) returns to the last control outside it.
    Modal: Modal.extend({ defaultProps: { closeButtonProps: { "aria-label": "Close" }, onExitTransitionEnd: restoreLostFocus } }),
    Drawer: Drawer.extend({ defaultProps: { closeButtonProps: { "aria-label": "Close" }, onExitTransitionEnd: restoreLostFocus } }),
    // A table wider than a phone scrolls sideways: its viewport takes focus so the arrow keys can scroll it.
    TableScrollContainer: TableScrollContainer.extend({ defaultProps: { scrollAreaProps: { viewportProps: { tabIndex: 0 } } } }),
    // The menu's focus placeholder is a presentational child with a tabindex, which a role="menu" may not own:
    // without it, opening a menu focuses its first item, as the WAI-ARIA menu button pattern describes.
    // Coloured menu items (Delete, Sign out) are painted with the colour's shade 6, below AA on white: inside a menu,
    // shade 6 resolves to the colour's readable text shade (set by cssVariablesResolver below).
    Menu: Menu.extend({
      defaultProps: { withInitialFocusPlaceholder: false },
      styles: (t) => ({ dropdown: Object.fromEntries(Object.keys(t.colors).map((c) => [`--mantine-color-${c}-6`, `var(--mantine-color-${c}-text)`])) }),
    }),
  },
});

/** WCAG 2.1 AA minimum for body-size text (1.4.3). */
const AA = 4.5;

export function contrastRatio(a: string, b: string): number {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x) as [number, number];
  return (hi + 0.05) / (lo + 0.05);
}

/**
 * The palette's own shade closest to `from` (going darker in the light scheme, lighter in the dark one) that reads
 * at AA on every background; when no shade does (yellow on white), the last shade, stepped further until it does.
 */
function readableShade(palette: readonly string[], from: number, backgrounds: string[], scheme: "light" | "dark"): string {
  const passes = (c: string) => backgrounds.every((bg) => contrastRatio(c, bg) >= AA);
  const order = scheme === "light" ? [...palette.keys()].filter((i) => i >= from) : [...palette.keys()].filter((i) => i <= from).reverse();
  for (const i of order) if (passes(palette[i] as string)) return palette[i] as string;
  let c = palette[order[order.length - 1] ?? from] as string;
  for (let step = 0; step < 40 && !passes(c); step++) c = scheme === "light" ? darken(c, 0.05) : lighten(c, 0.05);
  return c;
}

/**
 * Mantine's default shades put text below AA: dimmed grey #868e96 is 3.3:1 on white, indigo-6 links 4.3:1, white on
 * teal-6 buttons 2.6:1. Every colour's text, link, outline, badge and filled-button variables are moved (only where
 * needed) to the nearest shade of the same palette that reaches 4.5:1 on the surfaces the app draws them on, so the
 * look stays Mantine's while each page passes WCAG 2.1 AA.
 */
export const cssVariablesResolver: CSSVariablesResolver = (t: MantineTheme) => {
  const white = t.white;
  const gray = t.colors.gray;
  const dark = t.colors.dark;
  // Page, card, table-header/hover and selected-row (indigo tint) surfaces.
  const lightSurfaces = [white, gray[0], gray[1], t.colors.indigo[0]];
  const darkSurfaces = [dark[7], dark[6], dark[8], dark[5]];
  const light: Record<string, string> = {};
  const darkVars: Record<string, string> = {};

  for (const [name, palette] of Object.entries(t.colors)) {
    if (!Array.isArray(palette) || palette.length < 10) continue;
    const text = readableShade(palette, 6, [...lightSurfaces, palette[0] as string], "light");
    const filled = readableShade(palette, 6, [white], "light");
    light[`--mantine-color-${name}-text`] = text;
    light[`--mantine-color-${name}-outline`] = text;
    light[`--mantine-color-${name}-light-color`] = readableShade(palette, 9, [palette[1] as string, palette[2] as string, white], "light");
    light[`--mantine-color-${name}-filled`] = filled;
    light[`--mantine-color-${name}-filled-hover`] = darken(filled, 0.1);

    const darkFilled = readableShade(palette, 8, [white], "light");
    darkVars[`--mantine-color-${name}-text`] = readableShade(palette, 4, darkSurfaces, "dark");
    darkVars[`--mantine-color-${name}-filled`] = darkFilled;
    darkVars[`--mantine-color-${name}-filled-hover`] = darken(darkFilled, 0.1);
  }

  const primary = t.colors[t.primaryColor] as readonly string[];
  light["--mantine-color-anchor"] = readableShade(primary, 6, lightSurfaces, "light");
  light["--mantine-color-dimmed"] = dimmedLight(gray, lightSurfaces);
  light["--mantine-color-error"] = readableShade(t.colors.red, 6, lightSurfaces, "light");
  // Mantine draws some placeholders as text (FileInput, pickers), where they are read like any other text.
  light["--mantine-color-placeholder"] = light["--mantine-color-dimmed"];
  darkVars["--mantine-color-anchor"] = readableShade(primary, 4, darkSurfaces, "dark");
  darkVars["--mantine-color-dimmed"] = readableShade(dark, 2, darkSurfaces, "dark");
  darkVars["--mantine-color-error"] = readableShade(t.colors.red, 6, darkSurfaces, "dark");
  return { variables: {}, light, dark: darkVars };
};

/**
 * Dimmed text is Mantine's grey-6 stepped darker only as far as AA needs: grey-7 (8:1) would erase the difference
 * between secondary and primary text.
 */
function dimmedLight(gray: readonly string[], surfaces: string[]): string {
  let c = gray[6] as string;
  for (let step = 0; step < 40 && surfaces.some((bg) => contrastRatio(c, bg) < AA); step++) c = darken(c, 0.03);
  return c;
}
