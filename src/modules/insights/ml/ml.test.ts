import { describe, expect, it } from "vitest";
import type { FeatureDef, RawRow } from "./encode.js";
import { fitEncoder } from "./encode.js";
import { calibration, liftByDecile, rocAuc } from "./metrics.js";
import { explain, FeatureProblem, type Predictor, predictLogOdds, trainPredictor } from "./model.js";
import { seededRandom, sigmoid } from "./random.js";

const features: FeatureDef[] = [
  { key: "meetings", label: "Meetings", kind: "numeric" },
  { key: "age", label: "Age in days", kind: "numeric" },
  { key: "plan", label: "Plan", kind: "categorical" },
  { key: "noise", label: "Noise", kind: "numeric" },
];

/** Synthetic records whose outcome depends on meetings (up), age (down) and plan, with blanks mixed in. */
function synthetic(n: number, seed: number): { rows: RawRow[]; y: number[] } {
  const random = seededRandom(seed);
  const rows: RawRow[] = [];
  const y: number[] = [];
  for (let i = 0; i < n; i++) {
    const meetings = Math.floor(random() * 8);
    const age = random() < 0.1 ? null : Math.round(random() * 120);
    const plan = ["basic", "pro", "enterprise"][Math.floor(random() * 3)];
    const z = -1 + 0.5 * meetings - 0.02 * (age ?? 60) + (plan === "enterprise" ? 1 : plan === "basic" ? -0.5 : 0);
    rows.push({ meetings, age, plan, noise: random() });
    y.push(random() < sigmoid(z) ? 1 : 0);
  }
  return { rows, y };
}

const additive = (predictor: Predictor, row: RawRow) => {
  const e = explain(predictor, row, Number.POSITIVE_INFINITY);
  const sum = e.baseline + e.factors.reduce((s, f) => s + f.contribution, 0);
  expect(sum).toBeCloseTo(e.logOdds, 9);
  expect(sigmoid(e.logOdds)).toBeCloseTo(e.probability, 12);
  return e;
};

describe("insights models", () => {
  const data = synthetic(1500, 7);
  const { predictor } = trainPredictor(features, data.rows, data.y, { seed: 3 });

  it("learns the signal and ranks held-out records well", () => {
    const test = synthetic(800, 99);
    const p = Array.from(predictLogOdds(predictor, test.rows), sigmoid);
    expect(rocAuc(test.y, p)).toBeGreaterThan(0.75);
  });

  it("explains every score with factors that add up to it on the log-odds scale, for regression, trees and blends", () => {
    for (const blend of [0, 0.5, 1]) {
      const variant: Predictor = { ...predictor, blend };
      for (const row of data.rows.slice(0, 25)) additive(variant, row);
    }
    const e = additive(predictor, { meetings: 7, age: 5, plan: "enterprise", noise: 0.5 });
    expect(e.factors[0]!.feature).not.toBe("noise");
    expect(e.factors.find((f) => f.feature === "meetings")?.contribution).toBeGreaterThan(0);
    // A blank value reads as blank and still gets its share.
    expect(additive(predictor, { meetings: 1, age: null, plan: "pro", noise: 0.1 }).factors.find((f) => f.feature === "age")?.value).toBe("blank");
  });

  it("is deterministic: the same data and seed give the same model", () => {
    const again = trainPredictor(features, data.rows, data.y, { seed: 3 }).predictor;
    expect(JSON.stringify(again)).toBe(JSON.stringify(predictor));
  });

  it("measures ranking, calibration and lift correctly on known values", () => {
    expect(rocAuc([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8])).toBeCloseTo(0.75, 12);
    expect(rocAuc([0, 1], [0.5, 0.5])).toBe(0.5);
    const bins = calibration([0, 1, 1, 0], [0.05, 0.95, 0.91, 0.12]);
    expect(bins.map((b) => [b.from, b.count, b.observedRate])).toEqual([
      [0, 1, 0],
      [0.1, 1, 0],
      [0.9, 2, 1],
    ]);
    const lift = liftByDecile(
      Array.from({ length: 20 }, (_, i) => (i < 4 ? 1 : 0)),
      Array.from({ length: 20 }, (_, i) => 1 - i / 20),
    );
    expect(lift[0]).toMatchObject({ decile: 1, rate: 1, lift: 5 });
    expect(lift[9]!.rate).toBe(0);
  });

  it("reweights a rare class and still gives calibrated probabilities", () => {
    const random = seededRandom(11);
    const rows: RawRow[] = [];
    const y: number[] = [];
    for (let i = 0; i < 4000; i++) {
      const v = random() * 4;
      rows.push({ meetings: v, age: 1, plan: "x", noise: random() });
      y.push(random() < sigmoid(-4.5 + v) ? 1 : 0);
    }
    const trained = trainPredictor(features, rows, y, { seed: 1 });
    expect(trained.predictor.chosen.classWeights).toBe(true);
    const mean = Array.from(predictLogOdds(trained.predictor, rows), sigmoid).reduce((s, p) => s + p, 0) / rows.length;
    const rate = y.reduce((s, v) => s + v, 0) / y.length;
    expect(Math.abs(mean - rate)).toBeLessThan(0.02);
    // Constant features are reported, not silently kept.
    expect(trained.dropped.map((f) => f.key).sort()).toEqual(["age", "plan"]);
  });

  it("refuses data no honest model can come from, saying why", () => {
    expect(() => trainPredictor(features, data.rows.slice(0, 20), data.y.slice(0, 20), { seed: 1 })).toThrow(/Only 20 labelled records: at least 50/);
    expect(() => trainPredictor(features, data.rows.slice(0, 100), new Array(100).fill(1), { seed: 1 })).toThrow(FeatureProblem);
    expect(() => trainPredictor(features, data.rows.slice(0, 100), new Array(100).fill(0), { seed: 1 })).toThrow(/same outcome/);
    const blank = data.rows.slice(0, 200).map(() => ({ meetings: null, age: "", plan: null, noise: undefined }));
    expect(() => trainPredictor(features, blank, data.y.slice(0, 200), { seed: 1 })).toThrow(
      /None of the chosen fields can be used: Meetings \(every value is blank\)/,
    );
    expect(fitEncoder(features, blank).dropped).toHaveLength(4);
  });
});
