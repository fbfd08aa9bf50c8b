#!/usr/bin/env node
// `npm start`: the desktop app when the Electron runtime is here, else the same wizard in the
// browser (`modem-rescue serve --demo`), saying why. Builds nothing: `npm install` (prepare) or
// `npm run build` made dist/ and dist-renderer/ already. Extra arguments go to `serve`
// (e.g. `npm start -- --port 8080 --no-open`). MODEM_RESCUE_BROWSER=1 forces the browser mode.
// The Electron runtime is downloaded on the first start (the electron package holds none), within
// MODEM_RESCUE_ELECTRON_FETCH_SECONDS (120 by default); offline, the browser mode says why.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dist = join(root, 'dist', 'src-main');
const cliEntry = join(dist, 'cli', 'main.js');
const runtimeEntry = join(dist, 'web', 'electron-runtime.js');
const appEntry = join(dist, 'app', 'main.js');

if (!existsSync(cliEntry) || !existsSync(runtimeEntry)) {
  console.error(
    `Modem Rescue is not built yet: run \`npm install\` (or \`npm run build\`) in ${root}, then \`npm start\` again.`,
  );
  process.exit(70);
}

const { findElectronRuntime, fallbackMessage } = await import(pathToFileURL(runtimeEntry).href);
const args = process.argv.slice(2);
const fetchSeconds = Number(process.env.MODEM_RESCUE_ELECTRON_FETCH_SECONDS ?? 120);
let runtime;
if (process.env.MODEM_RESCUE_BROWSER === '1')
  runtime = { available: false, reason: 'MODEM_RESCUE_BROWSER=1 asks for the browser mode' };
else if (!existsSync(appEntry))
  runtime = { available: false, reason: `the desktop app is not built (${appEntry} is missing)` };
else {
  runtime = await findElectronRuntime({
    timeoutMs: (Number.isFinite(fetchSeconds) && fetchSeconds > 0 ? fetchSeconds : 120) * 1000,
    onFetch: (ms) =>
      console.error(`Fetching the Electron runtime (first start; at most ${Math.round(ms / 1000)} s)...`),
  });
}

if (runtime.available) {
  const child = spawn(runtime.binary, [root, ...args], { stdio: 'inherit' });
  const forward = (signal) => child.kill(signal);
  process.on('SIGINT', forward);
  process.on('SIGTERM', forward);
  child.on('error', (e) => {
    console.error(
      `Electron could not start (${e.message}); run \`npm start\` with MODEM_RESCUE_BROWSER=1 to use the browser instead.`,
    );
    process.exitCode = 1;
  });
  child.on('exit', (code, signal) => {
    process.exitCode = code ?? (signal ? 130 : 1);
  });
} else {
  console.error(fallbackMessage(runtime.reason));
  const { main } = await import(pathToFileURL(cliEntry).href);
  process.exitCode = await main(['serve', '--demo', ...args]);
}
