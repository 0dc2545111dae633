import type { SessionInfo } from "../../contract/sessions.js";

type Described = Pick<SessionInfo, "browser" | "system" | "device">;

// Order matters: Edge and Opera also say "Chrome", Chrome also says "Safari".
const browsers: [RegExp, string][] = [
  [/\bEdg(?:e|A|iOS)?\/(\d+)/, "Edge"],
  [/\bOPR\/(\d+)/, "Opera"],
  [/\bSamsungBrowser\/(\d+)/, "Samsung Internet"],
  [/\bFirefox\/(\d+)/, "Firefox"],
  [/\bFxiOS\/(\d+)/, "Firefox"],
  [/\bCriOS\/(\d+)/, "Chrome"],
  [/\bChrom(?:e|ium)\/(\d+)/, "Chrome"],
  [/\bVersion\/(\d+)(?:\.\d+)*.*\bSafari\//, "Safari"],
  [/\bcurl\/(\d+)/, "curl"],
];

const systems: [RegExp, string][] = [
  [/\b(?:iPhone|iPod)\b/, "iOS"],
  [/\biPad\b/, "iPadOS"],
  [/\bAndroid\b/, "Android"],
  [/\bCrOS\b/, "ChromeOS"],
  [/\bWindows\b/, "Windows"],
  [/\bMac OS X\b|\bMacintosh\b/, "macOS"],
  [/\bLinux\b/, "Linux"],
];

/** A readable browser and system for the sessions list; no library, as a label is all it needs to be. */
export function describeUserAgent(ua: string | null | undefined): Described {
  if (!ua) return { browser: "Unknown browser", system: "Unknown system", device: "unknown" };
  let browser = "Unknown browser";
  for (const [pattern, name] of browsers) {
    const m = pattern.exec(ua);
    if (m) {
      browser = `${name} ${m[1]}`;
      break;
    }
  }
  const system = systems.find(([pattern]) => pattern.test(ua))?.[1] ?? "Unknown system";
  const device =
    /\biPad\b|\bTablet\b/.test(ua) || (system === "Android" && !/\bMobile\b/.test(ua))
      ? "tablet"
      : /\bMobi|iPhone|iPod/.test(ua)
        ? "mobile"
        : system === "Unknown system"
          ? "unknown"
          : "desktop";
  return { browser, system, device };
}
