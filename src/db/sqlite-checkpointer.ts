import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

/**
 * SQLite's checkpoints, in a thread of their own. In WAL mode every commit that leaves the log above
 * 1,000 pages copies the log into the database file and syncs it, in the committing call — on the event
 * loop of a serving process. At Rome's full year one batch of the daily jobs dirties thousands of pages
 * of pupil-ordered indexes, so each batch's commit also checkpointed and synced tens of megabytes
 * (bench/RESULTS.md, decision 0037). Here the serving connection never checkpoints (wal_autocheckpoint = 0) and a worker
 * thread with its own connection runs a passive checkpoint every second: it copies what no reader still
 * needs, never waits for the writer, and syncs on the other core while pages are served.
 */
const WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.file);
db.pragma('busy_timeout = 5000');
const run = () => { try { db.pragma('wal_checkpoint(PASSIVE)'); } catch { /* busy: the next tick tries again */ } };
const timer = setInterval(run, workerData.intervalMs);
parentPort.on('message', () => { clearInterval(timer); run(); db.close(); parentPort.postMessage('stopped'); });
`;

export function startCheckpointer(file: string, intervalMs = 1000): { stop(): Promise<void> } {
  const driver = createRequire(import.meta.url).resolve('better-sqlite3');
  const worker = new Worker(WORKER, { eval: true, workerData: { file, intervalMs, driver } });
  worker.unref();
  return {
    stop: () =>
      new Promise<void>((resolve) => {
        worker.once('message', () => void worker.terminate().then(() => resolve()));
        worker.once('error', () => resolve());
        worker.postMessage('stop');
      }),
  };
}
