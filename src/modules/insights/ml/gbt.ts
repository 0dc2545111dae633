import { seededRandom } from "./random.js";

/** One node of a regression tree; a leaf has feature -1. `value` is the node's own log-odds output (Saabas). */
export interface TreeNode {
  feature: number;
  threshold: number;
  left: number;
  right: number;
  value: number;
}

export interface BoostedModel {
  kind: "boosted";
  base: number;
  trees: TreeNode[][];
}

export interface BoostOptions {
  rounds: number;
  depth: number;
  learningRate: number;
  /** L2 on leaf values. */
  lambda: number;
  minChildWeight: number;
  subsample: number;
  seed: number;
  bins?: number;
  /** Held-out rows for early stopping: the model keeps the rounds up to the best held-out log-loss. */
  validation?: { x: Float64Array; y: ArrayLike<number> };
}

/** Quantile cut points per column, from the training rows: splits are only tried between bins (histogram method). */
function binEdges(x: Float64Array, n: number, d: number, bins: number): Float64Array[] {
  const edges: Float64Array[] = [];
  const column = new Float64Array(n);
  for (let j = 0; j < d; j++) {
    for (let i = 0; i < n; i++) column[i] = x[i * d + j]!;
    const sorted = Float64Array.from(column).sort();
    const cuts: number[] = [];
    for (let b = 1; b < bins; b++) {
      const v = sorted[Math.min(n - 1, Math.floor((b * n) / bins))];
      if (cuts.length === 0 || v! > cuts[cuts.length - 1]!) cuts.push(v!);
    }
    // A cut at the minimum would send nothing left.
    edges.push(Float64Array.from(cuts.filter((c) => c > sorted[0]!)));
  }
  return edges;
}

function binOf(edges: Float64Array, v: number): number {
  let lo = 0;
  let hi = edges.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (v < edges[mid]!) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/**
 * Gradient-boosted regression trees on log-loss (second-order, as XGBoost), depth-limited, with shrinkage, seeded row
 * subsampling and histogram split finding. `base` starts every score at the weighted log-odds of the training rows.
 */
export function fitBoosted(x: Float64Array, y: ArrayLike<number>, sampleWeight: ArrayLike<number>, d: number, options: BoostOptions): BoostedModel {
  const n = y.length;
  const bins = options.bins ?? 32;
  const edges = binEdges(x, n, d, bins);
  const codes = new Uint8Array(n * d);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) codes[i * d + j] = binOf(edges[j]!, x[i * d + j]!);
  let wPos = 0;
  let wAll = 0;
  for (let i = 0; i < n; i++) {
    wPos += sampleWeight[i]! * y[i]!;
    wAll += sampleWeight[i]!;
  }
  const prior = Math.min(Math.max(wPos / wAll, 1e-6), 1 - 1e-6);
  const base = Math.log(prior / (1 - prior));
  const margin = new Float64Array(n).fill(base);
  const grad = new Float64Array(n);
  const hess = new Float64Array(n);
  const random = seededRandom(options.seed);
  const trees: TreeNode[][] = [];
  const validation = options.validation;
  const vMargin = validation ? new Float64Array(validation.y.length).fill(base) : null;
  let bestLoss = Number.POSITIVE_INFINITY;
  let bestRounds = 0;
  const histG = new Float64Array(d * (bins + 1));
  const histH = new Float64Array(d * (bins + 1));
  for (let round = 0; round < options.rounds; round++) {
    for (let i = 0; i < n; i++) {
      const q = 1 / (1 + Math.exp(-margin[i]!));
      grad[i] = sampleWeight[i]! * (q - y[i]!);
      hess[i] = sampleWeight[i]! * Math.max(q * (1 - q), 1e-12);
    }
    const rows: number[] = [];
    for (let i = 0; i < n; i++) if (options.subsample >= 1 || random() < options.subsample) rows.push(i);
    const tree: TreeNode[] = [];
    const grow = (members: number[], depth: number): number => {
      let g = 0;
      let h = 0;
      for (const i of members) {
        g += grad[i]!;
        h += hess[i]!;
      }
      const index = tree.length;
      tree.push({ feature: -1, threshold: 0, left: -1, right: -1, value: (-g / (h + options.lambda)) * options.learningRate });
      if (depth >= options.depth || members.length < 2) return index;
      histG.fill(0);
      histH.fill(0);
      for (const i of members) {
        const row = i * d;
        for (let j = 0; j < d; j++) {
          const k = j * (bins + 1) + codes[row + j]!;
          histG[k]! += grad[i]!;
          histH[k]! += hess[i]!;
        }
      }
      const parentScore = (g * g) / (h + options.lambda);
      let bestGain = 1e-9;
      let bestFeature = -1;
      let bestBin = -1;
      for (let j = 0; j < d; j++) {
        let gl = 0;
        let hl = 0;
        const cuts = edges[j]!.length;
        for (let b = 0; b < cuts; b++) {
          gl += histG[j * (bins + 1) + b]!;
          hl += histH[j * (bins + 1) + b]!;
          const hr = h - hl;
          if (hl < options.minChildWeight || hr < options.minChildWeight) continue;
          const gr = g - gl;
          const gain = (gl * gl) / (hl + options.lambda) + (gr * gr) / (hr + options.lambda) - parentScore;
          if (gain > bestGain) {
            bestGain = gain;
            bestFeature = j;
            bestBin = b;
          }
        }
      }
      if (bestFeature < 0) return index;
      // Rows whose bin is at most bestBin go left: their values are below edges[bestBin].
      const threshold = edges[bestFeature]![bestBin]!;
      const left: number[] = [];
      const right: number[] = [];
      for (const i of members) (codes[i * d + bestFeature]! <= bestBin ? left : right).push(i);
      tree[index]!.feature = bestFeature;
      tree[index]!.threshold = threshold;
      tree[index]!.left = grow(left, depth + 1);
      tree[index]!.right = grow(right, depth + 1);
      return index;
    };
    grow(rows, 0);
    trees.push(tree);
    for (let i = 0; i < n; i++) margin[i]! += leafValue(tree, x, i * d);
    if (validation && vMargin) {
      let loss = 0;
      const m = validation.y.length;
      for (let i = 0; i < m; i++) {
        vMargin[i]! += leafValue(tree, validation.x, i * d);
        const q = Math.min(Math.max(1 / (1 + Math.exp(-vMargin[i]!)), 1e-12), 1 - 1e-12);
        loss -= validation.y[i] === 1 ? Math.log(q) : Math.log(1 - q);
      }
      if (loss < bestLoss - 1e-9) {
        bestLoss = loss;
        bestRounds = round + 1;
      } else if (round + 1 - bestRounds >= 30) break;
    }
  }
  return { kind: "boosted", base, trees: validation ? trees.slice(0, Math.max(bestRounds, 1)) : trees };
}

/** A row goes left when its value is below the node's threshold. */
function leafValue(tree: TreeNode[], x: Float64Array, offset: number): number {
  let node = tree[0]!;
  while (node.feature >= 0) node = tree[x[offset + node.feature]! < node.threshold ? node.left : node.right]!;
  return node.value;
}

/**
 * Saabas path contributions: along a row's path through each tree, the change of node value at each split is
 * credited to the split's column; the root values join the base. Contributions plus the returned bias equal the
 * row's log-odds exactly.
 */
export function boostedContributions(model: BoostedModel, x: Float64Array, row: number, d: number, out: Float64Array): { bias: number; score: number } {
  out.fill(0);
  let bias = model.base;
  let score = model.base;
  const offset = row * d;
  for (const tree of model.trees) {
    let node = tree[0]!;
    bias += node.value;
    while (node.feature >= 0) {
      const next = tree[x[offset + node.feature]! < node.threshold ? node.left : node.right]!;
      out[node.feature]! += next.value - node.value;
      node = next;
    }
    score += node.value;
  }
  return { bias, score };
}

export function boostedScore(model: BoostedModel, x: Float64Array, row: number, d: number): number {
  let score = model.base;
  for (const tree of model.trees) score += leafValue(tree, x, row * d);
  return score;
}
