import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { writeChunk } from "./backup.js";

describe("writing a backup under backpressure", () => {
  it("leaves no listener behind per wait, so a long backup raises no MaxListenersExceededWarning", async () => {
    // A sink that takes one chunk at a time, slowly: every write waits for drain.
    const out = new Writable({
      highWaterMark: 1,
      write(_chunk, _enc, done) {
        setImmediate(done);
      },
    });
    const warnings: Error[] = [];
    const onWarning = (w: Error) => warnings.push(w);
    process.on("warning", onWarning);
    try {
      let waits = 0;
      for (let i = 0; i < 50; i++) {
        const wait = writeChunk(out, `line ${i}\n`);
        if (wait) {
          waits++;
          await wait;
        }
      }
      expect(waits).toBe(50);
      expect(out.listenerCount("error")).toBe(0);
      expect(out.listenerCount("drain")).toBe(0);
      await new Promise((r) => setImmediate(r));
      expect(warnings.filter((w) => w.name === "MaxListenersExceededWarning")).toEqual([]);
    } finally {
      process.off("warning", onWarning);
    }
  });
});
