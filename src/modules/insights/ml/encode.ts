/**
 * Turns raw records (numbers, categories, blanks) into the standardised numeric matrix both models learn from.
 * Every column belongs to one feature, so a model's per-column contributions add up to per-feature factors.
 */

export type FeatureKind = "numeric" | "categorical";

export interface FeatureDef {
  key: string;
  label: string;
  kind: FeatureKind;
  /** How a numeric value reads in an explanation ("days", "%"): optional. */
  unit?: string;
}

export type RawValue = number | string | boolean | null | undefined;
export type RawRow = Record<string, RawValue>;

export interface EncodedColumn {
  /** The feature this column belongs to. */
  feature: string;
  /** "value", "missing", or the category level it flags. */
  part: string;
  mean: number;
  scale: number;
}

export interface EncoderState {
  features: FeatureDef[];
  columns: EncodedColumn[];
  /** Per numeric feature: the training mean used for blanks. */
  fill: Record<string, number>;
  /** Per categorical feature: the levels kept (rarer ones share "(other)"). */
  levels: Record<string, string[]>;
}

export const otherLevel = "(other)";
export const missingLevel = "(blank)";

const numberOf = (v: RawValue): number | null => {
  if (v === null || v === undefined || v === "") return null;
  if (typeof v === "boolean") return v ? 1 : 0;
  const n = typeof v === "number" ? v : Number(String(v).trim());
  return Number.isFinite(n) ? n : null;
};

const levelOf = (v: RawValue): string => {
  if (v === null || v === undefined) return missingLevel;
  const s = String(v).trim();
  return s === "" ? missingLevel : s;
};

export class FeatureProblem extends Error {}

/**
 * Learns the encoding from the training rows. Rare levels (fewer than `minLevelCount` rows, or beyond the
 * `maxLevels` most frequent) are bucketed as "(other)" so a model never learns from a handful of records; a blank
 * numeric gets the training mean plus a "missing" indicator column when blanks occur. Features with every value blank
 * (or one constant value) carry no information and are reported, not silently kept.
 */
export function fitEncoder(
  features: FeatureDef[],
  rows: RawRow[],
  options: { minLevelCount?: number; maxLevels?: number } = {},
): {
  state: EncoderState;
  dropped: { key: string; label: string; reason: string }[];
} {
  const minLevelCount = options.minLevelCount ?? Math.max(5, Math.ceil(rows.length * 0.005));
  const maxLevels = options.maxLevels ?? 30;
  const kept: FeatureDef[] = [];
  const dropped: { key: string; label: string; reason: string }[] = [];
  const fill: Record<string, number> = {};
  const levels: Record<string, string[]> = {};
  const specs: { feature: string; part: string }[] = [];
  for (const f of features) {
    if (f.kind === "numeric") {
      let sum = 0;
      let count = 0;
      let min = Number.POSITIVE_INFINITY;
      let max = Number.NEGATIVE_INFINITY;
      for (const r of rows) {
        const n = numberOf(r[f.key]);
        if (n === null) continue;
        sum += n;
        count++;
        if (n < min) min = n;
        if (n > max) max = n;
      }
      if (count === 0) {
        dropped.push({ key: f.key, label: f.label, reason: "every value is blank" });
        continue;
      }
      const missing = rows.length - count;
      if (min === max && missing === 0) {
        dropped.push({ key: f.key, label: f.label, reason: "every record has the same value" });
        continue;
      }
      fill[f.key] = sum / count;
      kept.push(f);
      if (min !== max) specs.push({ feature: f.key, part: "value" });
      if (missing > 0) specs.push({ feature: f.key, part: "missing" });
    } else {
      const counts = new Map<string, number>();
      for (const r of rows) {
        const l = levelOf(r[f.key]);
        counts.set(l, (counts.get(l) ?? 0) + 1);
      }
      if (counts.size === 1 && counts.has(missingLevel)) {
        dropped.push({ key: f.key, label: f.label, reason: "every value is blank" });
        continue;
      }
      // Most frequent first, ties by name: the same data always gives the same columns.
      const ordered = [...counts.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
      const keep = ordered
        .filter(([, c]) => c >= minLevelCount)
        .slice(0, maxLevels)
        .map(([l]) => l);
      const hasOther = ordered.length > keep.length;
      const all = hasOther ? [...keep, otherLevel] : keep;
      if (all.length < 2) {
        dropped.push({ key: f.key, label: f.label, reason: "every record has the same value" });
        continue;
      }
      levels[f.key] = keep;
      kept.push(f);
      for (const l of all) specs.push({ feature: f.key, part: l });
    }
  }
  const state: EncoderState = { features: kept, columns: [], fill, levels };
  // Means and scales come from the raw (unstandardised) columns of the training rows.
  const d = specs.length;
  const sums = new Float64Array(d);
  const squares = new Float64Array(d);
  const raw = new Float64Array(d);
  const provisional: EncoderState = { ...state, columns: specs.map((s) => ({ ...s, mean: 0, scale: 1 })) };
  for (const r of rows) {
    rawRow(provisional, r, raw);
    for (let j = 0; j < d; j++) {
      sums[j]! += raw[j]!;
      squares[j]! += raw[j]! * raw[j]!;
    }
  }
  const n = Math.max(rows.length, 1);
  state.columns = specs.map((s, j) => {
    const mean = sums[j]! / n;
    const variance = Math.max(squares[j]! / n - mean * mean, 0);
    return { ...s, mean, scale: variance > 1e-12 ? Math.sqrt(variance) : 1 };
  });
  return { state, dropped };
}

/** The unstandardised column values of one row. */
function rawRow(state: EncoderState, row: RawRow, out: Float64Array): void {
  let j = 0;
  const cols = state.columns;
  while (j < cols.length) {
    const feature = cols[j]!.feature;
    const def = state.features.find((f) => f.key === feature);
    if (!def) throw new Error(`unknown feature ${feature}`);
    if (def.kind === "numeric") {
      const n = numberOf(row[feature]);
      while (j < cols.length && cols[j]!.feature === feature) {
        out[j] = cols[j]!.part === "missing" ? (n === null ? 1 : 0) : (n ?? state.fill[feature]!);
        j++;
      }
    } else {
      let level = levelOf(row[feature]);
      if (!state.levels[feature]!.includes(level)) level = otherLevel;
      while (j < cols.length && cols[j]!.feature === feature) {
        out[j] = cols[j]!.part === level ? 1 : 0;
        j++;
      }
    }
  }
}

/** Standardised rows (each column centred on its training mean and divided by its spread), row-major. */
export function encode(state: EncoderState, rows: RawRow[]): Float64Array {
  const d = state.columns.length;
  const x = new Float64Array(rows.length * d);
  const raw = new Float64Array(d);
  for (let i = 0; i < rows.length; i++) {
    rawRow(state, rows[i]!, raw);
    for (let j = 0; j < d; j++) x[i * d + j] = (raw[j]! - state.columns[j]!.mean) / state.columns[j]!.scale;
  }
  return x;
}

/** The raw value of one column for a standardised entry (for explanations). */
export const unstandardise = (column: EncodedColumn, z: number): number => z * column.scale + column.mean;
