import { sigmoid } from "./random.js";

export interface LogisticModel {
  kind: "logistic";
  intercept: number;
  weights: number[];
}

export interface LogisticOptions {
  /** L2 penalty on the weights (not the intercept), scaled by the total sample weight. */
  l2: number;
  maxIterations?: number;
}

/**
 * L2-regularised logistic regression fitted by Newton's method (iteratively reweighted least squares) on standardised
 * columns: a convex problem with one answer, so the same data always gives the same model, and few iterations suffice.
 * `sampleWeight` carries the class weights.
 */
export function fitLogistic(x: Float64Array, y: ArrayLike<number>, sampleWeight: ArrayLike<number>, d: number, options: LogisticOptions): LogisticModel {
  const n = y.length;
  const p = d + 1; // the intercept is the last parameter
  const beta = new Float64Array(p);
  let totalWeight = 0;
  for (let i = 0; i < n; i++) totalWeight += sampleWeight[i]!;
  const lambda = options.l2 * totalWeight;
  const maxIterations = options.maxIterations ?? 30;
  const hessian = new Float64Array(p * p);
  const gradient = new Float64Array(p);
  for (let iteration = 0; iteration < maxIterations; iteration++) {
    hessian.fill(0);
    gradient.fill(0);
    for (let i = 0; i < n; i++) {
      const row = i * d;
      let z = beta[d];
      for (let j = 0; j < d; j++) z! += beta[j]! * x[row + j]!;
      const q = sigmoid(z!);
      const w = sampleWeight[i];
      const g = w! * (q - y[i]!);
      const h = w! * Math.max(q * (1 - q), 1e-10);
      for (let j = 0; j < d; j++) {
        const xj = x[row + j];
        if (xj === 0) continue;
        gradient[j]! += g * xj!;
        const hx = h * xj!;
        const base = j * p;
        for (let k = 0; k <= j; k++) hessian[base + k]! += hx * x[row + k]!;
        hessian[base + d]! += hx;
      }
      gradient[d]! += g;
      hessian[d * p + d]! += h;
    }
    // Mirror the lower triangle (the intercept column was written into row j, column d).
    for (let j = 0; j < d; j++) {
      hessian[d * p + j] = hessian[j * p + d]!;
      for (let k = 0; k < j; k++) hessian[k * p + j] = hessian[j * p + k]!;
    }
    for (let j = 0; j < d; j++) {
      gradient[j]! += lambda * beta[j]!;
      hessian[j * p + j]! += lambda;
    }
    hessian[d * p + d]! += 1e-9 * totalWeight;
    const step = solveSymmetric(hessian, gradient, p);
    let change = 0;
    for (let j = 0; j < p; j++) {
      beta[j]! -= step[j]!;
      change = Math.max(change, Math.abs(step[j]!));
    }
    if (change < 1e-7) break;
  }
  return { kind: "logistic", intercept: beta[d]!, weights: Array.from(beta.subarray(0, d)) };
}

/** Solves A x = b for a symmetric positive definite A by Cholesky; a tiny ridge keeps it definite. */
function solveSymmetric(a: Float64Array, b: Float64Array, n: number): Float64Array {
  const l = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let s = a[i * n + j];
      for (let k = 0; k < j; k++) s! -= l[i * n + k]! * l[j * n + k]!;
      if (i === j) l[i * n + i] = Math.sqrt(Math.max(s!, 1e-12));
      else l[i * n + j] = s! / l[j * n + j]!;
    }
  }
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = b[i];
    for (let k = 0; k < i; k++) s! -= l[i * n + k]! * y[k]!;
    y[i] = s! / l[i * n + i]!;
  }
  const x = new Float64Array(n);
  for (let i = n - 1; i >= 0; i--) {
    let s = y[i];
    for (let k = i + 1; k < n; k++) s! -= l[k * n + i]! * x[k]!;
    x[i] = s! / l[i * n + i]!;
  }
  return x;
}

/** Per-column contributions on the log-odds scale: weight × standardised value; they plus the intercept are the score. */
export function logisticContributions(model: LogisticModel, x: Float64Array, row: number, d: number, out: Float64Array): number {
  let z = model.intercept;
  for (let j = 0; j < d; j++) {
    out[j] = model.weights[j]! * x[row * d + j]!;
    z += out[j]!;
  }
  return z;
}
