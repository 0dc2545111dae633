import { DEFAULT_THEME, mergeMantineTheme } from "@mantine/core";
import { describe, expect, it } from "vitest";
import { contrastRatio, cssVariablesResolver, theme } from "./theme.js";

const t = mergeMantineTheme(DEFAULT_THEME, theme);
const resolved = cssVariablesResolver(t);
const vars = { light: resolved.light as Record<string, string>, dark: resolved.dark as Record<string, string> };
const surfaces = { light: [t.white, t.colors.gray[0], t.colors.gray[1]], dark: [t.colors.dark[7], t.colors.dark[6]] };

describe("theme colours reach WCAG 2.1 AA (4.5:1)", () => {
  for (const scheme of ["light", "dark"] as const) {
    it(`${scheme}: dimmed, link, error and every colour's text on the page surfaces`, () => {
      const v = vars[scheme];
      const keys = Object.keys(v).filter((k) => /-text$|^--mantine-color-(dimmed|anchor|error)$/.test(k));
      expect(keys.length).toBeGreaterThan(10);
      const low = keys.flatMap((k) => surfaces[scheme].filter((bg) => contrastRatio(v[k] as string, bg) < 4.5).map((bg) => `${k} ${v[k]} on ${bg}`));
      expect(low).toEqual([]);
    });

    it(`${scheme}: white label on every filled colour`, () => {
      const v = vars[scheme];
      const low = Object.keys(v)
        .filter((k) => k.endsWith("-filled"))
        .filter((k) => contrastRatio(v[k] as string, t.white) < 4.5);
      expect(low).toEqual([]);
    });
  }

  it("light badges: light-colour text on its light background", () => {
    const low = Object.entries(t.colors)
      .filter(([, p]) => p.length >= 10)
      .filter(([name, p]) => contrastRatio(vars.light[`--mantine-color-${name}-light-color`] as string, p[1]) < 4.5)
      .map(([name]) => name);
    expect(low).toEqual([]);
  });

  it("moves dimmed grey no further than AA needs (stays lighter than grey-7)", () => {
    const dimmed = vars.light["--mantine-color-dimmed"] as string;
    expect(contrastRatio(dimmed, t.white)).toBeGreaterThanOrEqual(4.5);
    expect(contrastRatio(dimmed, t.white)).toBeLessThan(contrastRatio(t.colors.gray[7], t.white));
    expect(dimmed).not.toBe(t.colors.gray[6]);
  });
});
