/** "200", "10k", "1.5m", "1m", "1_000_000" → a positive integer. */
export function parseScale(raw: string | number): number {
  if (typeof raw === "number") return checked(raw, String(raw));
  const m = /^\s*(\d+(?:[._]\d+)*)\s*([kKmM]?)\s*$/.exec(raw);
  if (!m) throw new Error(`--scale: expected a number such as 200, 10k, 100k or 1m, got "${raw}"`);
  const digits = (m[1] as string).replace(/_/g, "");
  const base = Number(digits);
  const mult = { "": 1, k: 1_000, m: 1_000_000 }[(m[2] as string).toLowerCase() as "" | "k" | "m"];
  return checked(Math.round(base * mult), raw);
}

function checked(n: number, raw: string): number {
  if (!Number.isFinite(n) || n < 10 || n > 50_000_000) throw new Error(`--scale: ${raw} is out of range (10 … 50m contacts)`);
  return n;
}

/** 1000000 → "1m", 100000 → "100k", 250 → "250". */
export function scaleLabel(n: number): string {
  if (n >= 1_000_000 && n % 100_000 === 0) return `${n / 1_000_000}m`;
  if (n >= 1_000 && n % 100 === 0) return `${n / 1_000}k`;
  return String(n);
}
