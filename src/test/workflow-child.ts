/**
 * A worker process for the workflow crash test (src/modules/workflows/crash.test.ts), so the test can SIGKILL a real
 * worker in the middle of a run. Run with `node --import tsx src/test/workflow-child.ts`: it works the event
 * dispatcher (which starts runs) and the workflow run queue until it is killed, or until SIGTERM stops it cleanly.
 * It prints "working" once its workers are up.
 *
 * TEST_DATABASE_URL names the database.
 */
import { openDatabase } from "../db/client.js";
import { startJobSystem } from "../jobs/system.js";

const url = process.env.TEST_DATABASE_URL;
if (!url) throw new Error("TEST_DATABASE_URL is required");
const database = await openDatabase({ url });
const jobs = await startJobSystem({
  database,
  worker: true,
  log: { info() {}, warn() {}, error: (m: string) => console.error(m) },
  pollingIntervalSeconds: 0.5,
  only: ["events.dispatch", "workflows.run"],
});
console.log("working");
process.on("SIGTERM", () => {
  void jobs
    .stop()
    .then(() => database.close())
    .then(() => process.exit(0));
});
