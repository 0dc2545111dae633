// The load generator, run as its own process so it does not share the server's event loop:
//   node --import tsx bench/lib/loader.ts <spec.json>   → one JSON line on stdout.
// Each request is the next item of a pool of varied inputs (round robin), so no single URL is hammered.
import { readFileSync } from "node:fs";
import autocannon from "autocannon";

export interface PoolRequest {
  method: "GET" | "POST" | "PATCH" | "DELETE";
  path: string;
  body?: unknown;
}

export interface LoadSpec {
  url: string;
  connections: number;
  /** Seconds measured. */
  duration: number;
  /** Seconds of the same load first, not measured. */
  warmup: number;
  headers: Record<string, string>;
  pool: PoolRequest[];
  /** Where in the pool to start (a warm-up starts half-way, so the measured run does not replay it). */
  start?: number;
}

export interface LoadResult {
  requests: number;
  seconds: number;
  rps: number;
  p50: number;
  p95: number;
  p99: number;
  mean: number;
  max: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  statusCodes: Record<string, number>;
  /** A few bodies of non-2xx answers, to see why. */
  failures: string[];
  /** The machine's 1-minute load average around the run (set by the runner): noise shows here. */
  loadavg?: number;
}

const percentile = (sorted: number[], p: number) => {
  if (sorted.length === 0) return 0;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i] as number;
};

function run(spec: LoadSpec, seconds: number, offset: number): Promise<{ latencies: number[]; result: import("autocannon").Result; failures: string[] }> {
  const bodies = spec.pool.map((r) => (r.body === undefined ? undefined : JSON.stringify(r.body)));
  let k = offset;
  const latencies: number[] = [];
  const failures: string[] = [];
  return new Promise((resolvePromise, reject) => {
    const instance = autocannon(
      {
        url: spec.url,
        connections: spec.connections,
        duration: seconds,
        timeout: 30,
        headers: spec.headers,
        requests: [
          {
            setupRequest: (req) => {
              const i = k++ % spec.pool.length;
              const r = spec.pool[i] as PoolRequest;
              const body = bodies[i];
              return {
                ...req,
                method: r.method,
                path: r.path,
                body,
                headers: { ...spec.headers, ...(body === undefined ? {} : { "content-type": "application/json" }) },
              };
            },
            onResponse: (status, body) => {
              if ((status < 200 || status >= 300) && failures.length < 3) failures.push(`${status} ${body.slice(0, 300)}`);
            },
          },
        ],
      },
      (err, result) => (err ? reject(err) : resolvePromise({ latencies, result, failures })),
    );
    instance.on("response", (_client, _status, _bytes, responseTime) => {
      latencies.push(responseTime);
    });
  });
}

export async function load(spec: LoadSpec): Promise<LoadResult> {
  // The warm-up starts where the measured run will not: both still cycle through the whole pool.
  if (spec.warmup > 0) await run(spec, spec.warmup, Math.floor(spec.pool.length / 2));
  const { latencies, result, failures } = await run(spec, spec.duration, spec.start ?? 0);
  latencies.sort((a, b) => a - b);
  const statusCodes = Object.fromEntries(Object.entries(result.statusCodeStats ?? {}).map(([c, v]) => [c, Number(v.count)]));
  const seconds = result.duration || spec.duration;
  return {
    requests: latencies.length,
    seconds,
    rps: latencies.length / seconds,
    p50: percentile(latencies, 50),
    p95: percentile(latencies, 95),
    p99: percentile(latencies, 99),
    mean: latencies.reduce((s, x) => s + x, 0) / Math.max(1, latencies.length),
    max: latencies[latencies.length - 1] ?? 0,
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    statusCodes,
    failures,
  };
}

const specFile = process.argv[2];
if (specFile && process.argv[1]?.endsWith("loader.ts")) {
  const spec = JSON.parse(readFileSync(specFile, "utf8")) as LoadSpec;
  load(spec)
    .then((r) => {
      process.stdout.write(`${JSON.stringify(r)}\n`);
    })
    .catch((e) => {
      process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
      process.exit(1);
    });
}
