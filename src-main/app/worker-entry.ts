// The engine's worker thread: RescueService with its devices served by the main process.

import { parentPort, workerData } from 'node:worker_threads';
import { guardPaths } from '../service/guarded-service.js';
import { PathPolicy } from '../service/path-policy.js';
import { RescueService } from '../service/rescue-service.js';
import { serveEngine } from './engine-host.js';
import type { WorkerStart } from './engine-worker.js';

const start = workerData as WorkerStart | undefined;
if (!parentPort || !start?.port) throw new Error('worker-entry.js runs as the engine worker thread of the app.');

// Every path in a call passes the same policy as in browser mode (service/path-policy.ts); a
// folder the person picked in the native dialog (told by main, not by the page) joins it.
const policy = new PathPolicy();
await serveEngine(
  start.port,
  (devices) =>
    guardPaths(
      new RescueService({ stateDir: start.stateDir, enumerator: devices.enumerator, openers: devices.openers }),
      policy,
    ),
  { allowFolder: (folder) => policy.choose(folder) },
);
// Let the thread end: nothing else keeps it.
start.port.close();
