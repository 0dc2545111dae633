/** Held-out quality of a probability model: how well it ranks (ROC AUC), how close (Brier), how honest (calibration). */

export interface CalibrationBin {
  /** Lower and upper edge of the predicted probability. */
  from: number;
  to: number;
  count: number;
  meanPredicted: number;
  observedRate: number;
}

export interface LiftDecile {
  decile: number;
  count: number;
  rate: number;
  /** The decile's positive rate over the overall rate. */
  lift: number;
}

export interface Metrics {
  count: number;
  positives: number;
  auc: number;
  brier: number;
  logLoss: number;
  calibration: CalibrationBin[];
  lift: LiftDecile[];
}

/** ROC AUC by ranks (Mann–Whitney), ties counted half. */
export function rocAuc(y: ArrayLike<number>, p: ArrayLike<number>): number {
  const n = y.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => p[a]! - p[b]!);
  let positives = 0;
  let rankSum = 0;
  let i = 0;
  while (i < n) {
    let j = i;
    while (j + 1 < n && p[order[j + 1]!] === p[order[i]!]) j++;
    const rank = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) {
      if (y[order[k]!] === 1) {
        positives++;
        rankSum += rank;
      }
    }
    i = j + 1;
  }
  const negatives = n - positives;
  if (positives === 0 || negatives === 0) return Number.NaN;
  return (rankSum - (positives * (positives + 1)) / 2) / (positives * negatives);
}

export function brier(y: ArrayLike<number>, p: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < y.length; i++) s += (p[i]! - y[i]!) ** 2;
  return y.length ? s / y.length : Number.NaN;
}

export function logLoss(y: ArrayLike<number>, p: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < y.length; i++) {
    const q = Math.min(Math.max(p[i]!, 1e-12), 1 - 1e-12);
    s -= y[i] === 1 ? Math.log(q) : Math.log(1 - q);
  }
  return y.length ? s / y.length : Number.NaN;
}

/** Ten equal-width bins of predicted probability; empty bins are left out. */
export function calibration(y: ArrayLike<number>, p: ArrayLike<number>, bins = 10): CalibrationBin[] {
  const count = new Array<number>(bins).fill(0);
  const pred = new Array<number>(bins).fill(0);
  const obs = new Array<number>(bins).fill(0);
  for (let i = 0; i < y.length; i++) {
    const b = Math.min(bins - 1, Math.floor(p[i]! * bins));
    count[b]!++;
    pred[b]! += p[i]!;
    obs[b]! += y[i]!;
  }
  const out: CalibrationBin[] = [];
  for (let b = 0; b < bins; b++) {
    if (count[b] === 0) continue;
    out.push({ from: b / bins, to: (b + 1) / bins, count: count[b]!, meanPredicted: pred[b]! / count[b]!, observedRate: obs[b]! / count[b]! });
  }
  return out;
}

/** Records sorted by score, highest first, cut in ten: each tenth's positive rate against the overall rate. */
export function liftByDecile(y: ArrayLike<number>, p: ArrayLike<number>): LiftDecile[] {
  const n = y.length;
  if (n === 0) return [];
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => p[b]! - p[a]! || a - b);
  let total = 0;
  for (let i = 0; i < n; i++) total += y[i]!;
  const overall = total / n;
  const out: LiftDecile[] = [];
  for (let d = 0; d < 10; d++) {
    const from = Math.floor((d * n) / 10);
    const to = Math.floor(((d + 1) * n) / 10);
    if (to <= from) continue;
    let pos = 0;
    for (let k = from; k < to; k++) pos += y[order[k]!]!;
    const rate = pos / (to - from);
    out.push({ decile: d + 1, count: to - from, rate, lift: overall > 0 ? rate / overall : 0 });
  }
  return out;
}

export function measure(y: ArrayLike<number>, p: ArrayLike<number>): Metrics {
  let positives = 0;
  for (let i = 0; i < y.length; i++) positives += y[i]!;
  return {
    count: y.length,
    positives,
    auc: rocAuc(y, p),
    brier: brier(y, p),
    logLoss: logLoss(y, p),
    calibration: calibration(y, p),
    lift: liftByDecile(y, p),
  };
}
