// The engine's worker thread: RescueService with its devices served by the main process.

import { parentPort, workerData } from 'node:worker_threads';
import { RescueService } from '../service/rescue-service.js';
import { serveEngine } from './engine-host.js';
import type { WorkerStart } from './engine-worker.js';

const start = workerData as WorkerStart | undefined;
if (!parentPort || !start?.port) throw new Error('worker-entry.js runs as the engine worker thread of the app.');

await serveEngine(start.port, (devices) => new RescueService({ stateDir: start.stateDir, enumerator: devices.enumerator, openers: devices.openers }));
// Let the thread end: nothing else keeps it.
start.port.close();
