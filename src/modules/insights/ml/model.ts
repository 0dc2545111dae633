import { type EncoderState, encode, type FeatureDef, FeatureProblem, fitEncoder, type RawRow, unstandardise } from "./encode.js";
import { type BoostedModel, boostedContributions, fitBoosted } from "./gbt.js";
import { fitLogistic, type LogisticModel, logisticContributions } from "./logistic.js";
import { logLoss } from "./metrics.js";
import { shuffledIndices, sigmoid } from "./random.js";

/**
 * A trained predictor: the encoding, a logistic regression and boosted trees, blended on the log-odds scale
 * (`blend` is the logistic share: 1 is the regression alone, 0 the trees alone). Both parts are additive in log-odds,
 * so the blend's explanation is the same blend of theirs and still adds up to the score.
 */
export interface Predictor {
  version: 1;
  encoder: EncoderState;
  logistic: LogisticModel;
  boosted: BoostedModel;
  blend: number;
  /** Subtracted from the log-odds: undoes the class weights' shift of the prior, so probabilities stay calibrated. */
  priorShift: number;
  chosen: { l2: number; rounds: number; classWeights: boolean };
}

export interface Factor {
  feature: string;
  label: string;
  /** The record's value as it reads ("Month-to-month", "42", "blank"). */
  value: string;
  /** On the model's scale (log-odds); all factors plus the baseline add up to the score. */
  contribution: number;
  /** What the factor moves the probability by, in points: the probability with it minus without it. */
  effect: number;
}

export interface Explained {
  probability: number;
  logOdds: number;
  /** The log-odds of an average record: where the factors start from. */
  baseline: number;
  factors: Factor[];
}

export interface TrainOptions {
  seed: number;
  /** Rows are in time order (oldest first): the inner validation slice is the newest, not a random one. */
  timeOrdered?: boolean;
  /** Fewer boosting rounds for very large trainings. */
  maxRounds?: number;
}

export const minimumLabelled = 50;
export const minimumPerClass = 10;

/** Refuses data no honest model can come from, with the reason an admin can act on. */
export function checkTrainable(y: ArrayLike<number>): void {
  let positives = 0;
  for (let i = 0; i < y.length; i++) positives += y[i]!;
  const negatives = y.length - positives;
  if (y.length < minimumLabelled)
    throw new FeatureProblem(
      `${y.length === 0 ? "No labelled records yet" : `Only ${y.length} labelled record${y.length === 1 ? "" : "s"}`}: at least ${minimumLabelled} are needed to train and measure a model.`,
    );
  if (positives === 0 || negatives === 0)
    throw new FeatureProblem(
      `Every labelled record has the same outcome (${positives === 0 ? "none is positive" : "all are positive"}): a model needs examples of both.`,
    );
  if (Math.min(positives, negatives) < minimumPerClass)
    throw new FeatureProblem(`Only ${Math.min(positives, negatives)} records of the rarer outcome: at least ${minimumPerClass} of each outcome are needed.`);
}

const classWeightsFor = (y: ArrayLike<number>): { weights: Float64Array; shift: number; used: boolean } => {
  const n = y.length;
  let positives = 0;
  for (let i = 0; i < n; i++) positives += y[i]!;
  const share = positives / n;
  const weights = new Float64Array(n).fill(1);
  // Only a real imbalance is reweighted: below a fifth, the rare class would otherwise be drowned out.
  if (share >= 0.2 && share <= 0.8) return { weights, shift: 0, used: false };
  const wPos = n / (2 * positives);
  const wNeg = n / (2 * (n - positives));
  for (let i = 0; i < n; i++) weights[i] = y[i] === 1 ? wPos : wNeg;
  return { weights, shift: Math.log(wPos / wNeg), used: true };
};

const boostDefaults = { depth: 3, learningRate: 0.08, lambda: 1, subsample: 0.8 };

/**
 * Trains on the given rows. An inner validation slice (the newest fifth when rows are time-ordered, else a seeded
 * random fifth) picks the regression's penalty, the number of boosting rounds and the blend; the final parts are then
 * refitted on every row with those choices. Deterministic for a given seed.
 */
export function trainPredictor(
  features: FeatureDef[],
  rows: RawRow[],
  labels: number[],
  options: TrainOptions,
): { predictor: Predictor; dropped: { key: string; label: string; reason: string }[] } {
  checkTrainable(labels);
  const { state, dropped } = fitEncoder(features, rows);
  if (state.columns.length === 0)
    throw new FeatureProblem(`None of the chosen fields can be used: ${dropped.map((f) => `${f.label} (${f.reason})`).join(", ")}.`);
  const d = state.columns.length;
  const n = rows.length;
  const order = options.timeOrdered ? Array.from({ length: n }, (_, i) => i) : shuffledIndices(n, options.seed);
  const cut = Math.floor(n * 0.8);
  const fitIdx = order.slice(0, cut);
  const valIdx = order.slice(cut);
  const pick = (idx: number[]) => ({ rows: idx.map((i) => rows[i]!), y: idx.map((i) => labels[i]!) });
  const fitPart = pick(fitIdx);
  const valPart = pick(valIdx);
  const xFit = encode(state, fitPart.rows);
  const xVal = encode(state, valPart.rows);
  const fitWeights = classWeightsFor(fitPart.y);
  const maxRounds = options.maxRounds ?? (n > 50_000 ? 150 : 400);
  const minChildWeight = Math.max(1, n * 0.002);

  let bestL2 = 1e-3;
  let bestLrLoss = Number.POSITIVE_INFINITY;
  let lrVal = new Float64Array(0);
  for (const l2 of [1e-4, 1e-3, 1e-2, 3e-2]) {
    const m = fitLogistic(xFit, fitPart.y, fitWeights.weights, d, { l2 });
    const z = new Float64Array(valPart.y.length);
    const scratch = new Float64Array(d);
    for (let i = 0; i < z.length; i++) z[i] = logisticContributions(m, xVal, i, d, scratch) - fitWeights.shift;
    const loss = logLoss(valPart.y, Array.from(z, sigmoid));
    if (loss < bestLrLoss) {
      bestLrLoss = loss;
      bestL2 = l2;
      lrVal = z;
    }
  }
  const boostedInner = fitBoosted(xFit, fitPart.y, fitWeights.weights, d, {
    ...boostDefaults,
    rounds: maxRounds,
    minChildWeight,
    seed: options.seed,
    validation: { x: xVal, y: valPart.y },
  });
  const rounds = boostedInner.trees.length;
  const gbVal = new Float64Array(valPart.y.length);
  const scratch = new Float64Array(d);
  for (let i = 0; i < gbVal.length; i++) gbVal[i] = boostedContributions(boostedInner, xVal, i, d, scratch).score - fitWeights.shift;
  let blend = 1;
  let bestBlendLoss = Number.POSITIVE_INFINITY;
  for (const a of [0, 0.25, 0.5, 0.75, 1]) {
    const p = Array.from(lrVal, (z, i) => sigmoid(a * z + (1 - a) * gbVal[i]!));
    const loss = logLoss(valPart.y, p);
    if (loss < bestBlendLoss - 1e-12) {
      bestBlendLoss = loss;
      blend = a;
    }
  }

  const xAll = encode(state, rows);
  const allWeights = classWeightsFor(labels);
  const logistic = fitLogistic(xAll, labels, allWeights.weights, d, { l2: bestL2 });
  const boosted = fitBoosted(xAll, labels, allWeights.weights, d, { ...boostDefaults, rounds, minChildWeight, seed: options.seed });
  return {
    predictor: {
      version: 1,
      encoder: state,
      logistic,
      boosted,
      blend,
      priorShift: allWeights.shift,
      chosen: { l2: bestL2, rounds, classWeights: allWeights.used },
    },
    dropped,
  };
}

/** Log-odds of every row, set-wise (for scoring many records). */
export function predictLogOdds(predictor: Predictor, rows: RawRow[]): Float64Array {
  const d = predictor.encoder.columns.length;
  const x = encode(predictor.encoder, rows);
  const out = new Float64Array(rows.length);
  const scratch = new Float64Array(d);
  for (let i = 0; i < rows.length; i++) out[i] = combined(predictor, x, i, d, scratch, scratch).logOdds;
  return out;
}

function combined(predictor: Predictor, x: Float64Array, row: number, d: number, lrOut: Float64Array, gbOut: Float64Array) {
  const a = predictor.blend;
  const lr = logisticContributions(predictor.logistic, x, row, d, lrOut);
  const lrBias = predictor.logistic.intercept;
  const lrCopy = a > 0 && a < 1 ? Float64Array.from(lrOut) : lrOut;
  const gb = a < 1 ? boostedContributions(predictor.boosted, x, row, d, gbOut) : { bias: 0, score: 0 };
  const logOdds = a * lr + (1 - a) * gb.score - predictor.priorShift;
  const bias = a * lrBias + (1 - a) * gb.bias - predictor.priorShift;
  return { logOdds, bias, lr: lrCopy, gb: gbOut };
}

const formatValue = (raw: RawRow[string]): string => {
  if (raw === null || raw === undefined || raw === "") return "blank";
  if (typeof raw === "number") return Number.isInteger(raw) ? String(raw) : raw.toFixed(2).replace(/\.?0+$/, "");
  return String(raw);
};

/** A row's probability with its factors (one per feature, largest effect first, `limit` kept). */
export function explain(predictor: Predictor, row: RawRow, limit = 6): Explained {
  const state = predictor.encoder;
  const d = state.columns.length;
  const x = encode(state, [row]);
  const lrOut = new Float64Array(d);
  const gbOut = new Float64Array(d);
  const c = combined(predictor, x, 0, d, lrOut, gbOut);
  const a = predictor.blend;
  const byFeature = new Map<string, number>();
  for (let j = 0; j < d; j++) {
    const contribution = a * (a > 0 ? c.lr[j]! : 0) + (1 - a) * (a < 1 ? c.gb[j]! : 0);
    const f = state.columns[j]!.feature;
    byFeature.set(f, (byFeature.get(f) ?? 0) + contribution);
  }
  const p = sigmoid(c.logOdds);
  const factors: Factor[] = state.features.map((f) => {
    const contribution = byFeature.get(f.key) ?? 0;
    return { feature: f.key, label: f.label, value: formatValue(row[f.key]), contribution, effect: p - sigmoid(c.logOdds - contribution) };
  });
  factors.sort((l, r) => Math.abs(r.contribution) - Math.abs(l.contribution) || (l.feature < r.feature ? -1 : 1));
  return { probability: p, logOdds: c.logOdds, baseline: c.bias, factors: factors.slice(0, limit) };
}

/** Overall importance: the mean absolute contribution of each feature over the given rows. */
export function importance(predictor: Predictor, rows: RawRow[]): { feature: string; label: string; weight: number }[] {
  const totals = new Map<string, number>();
  for (const row of rows) {
    for (const f of explain(predictor, row, Number.POSITIVE_INFINITY).factors) totals.set(f.feature, (totals.get(f.feature) ?? 0) + Math.abs(f.contribution));
  }
  return predictor.encoder.features
    .map((f) => ({ feature: f.key, label: f.label, weight: (totals.get(f.key) ?? 0) / Math.max(rows.length, 1) }))
    .sort((l, r) => r.weight - l.weight);
}

export { FeatureProblem, unstandardise };
