#!/usr/bin/env node
// `npm run dist`: the installers for this OS with electron-builder (electron-builder.yml: AppImage
// and deb on Linux, NSIS and portable on Windows, dmg on macOS); `npm run dist -- --dir` an
// unpacked app in release/. Arguments go to electron-builder. `npm run dist` builds first.
// electron-builder downloads the Electron zip it packs; where that cannot be had (offline), it
// retries for a while and prints a stack trace: this script bounds the whole run and ends such a
// failure in one line that says what happened and what to do.
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const limitMinutes = Number(process.env.MODEM_RESCUE_DIST_MINUTES ?? 30);
const limitMs = (Number.isFinite(limitMinutes) && limitMinutes > 0 ? limitMinutes : 30) * 60_000;
const { version } = createRequire(join(root, 'package.json'))('electron/package.json');

const NETWORK =
  /ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ECONNRESET|ETIMEDOUT|ENETUNREACH|EHOSTUNREACH|socket hang up|fetch failed|getaddrinfo/;

let cli;
try {
  cli = createRequire(join(root, 'package.json')).resolve('electron-builder/cli.js');
} catch {
  console.error('npm run dist: electron-builder is not installed; run `npm install` first.');
  process.exit(1);
}

const child = spawn(process.execPath, [cli, ...process.argv.slice(2)], {
  cwd: root,
  stdio: ['ignore', 'pipe', 'pipe'],
});
let failureLine = '';
let inStack = false;
const pass = (stream, out) => {
  let rest = '';
  stream.on('data', (chunk) => {
    const lines = (rest + chunk.toString('utf8')).split('\n');
    rest = lines.pop() ?? '';
    for (const line of lines) {
      // electron-builder's failure: "⨯ <message>  failedTask=build stackTrace=..." and the stack.
      if (/^\s*⨯ /.test(line)) {
        failureLine ||= line
          .replace(/^\s*⨯ /, '')
          .replace(/\s+failedTask=.*$/, '')
          .trim();
        inStack = true;
        continue;
      }
      if (inStack && /^\s+at /.test(line)) continue;
      inStack = false;
      out.write(`${line}\n`);
    }
  });
  stream.on('end', () => {
    if (rest) out.write(rest);
  });
};
pass(child.stdout, process.stdout);
pass(child.stderr, process.stderr);

const timer = setTimeout(() => {
  child.kill('SIGKILL');
  console.error(
    `npm run dist: stopped after ${Math.round(limitMs / 60_000)} minutes without finishing (MODEM_RESCUE_DIST_MINUTES sets the limit).`,
  );
  process.exit(1);
}, limitMs);
const forward = (signal) => child.kill(signal);
process.on('SIGINT', forward);
process.on('SIGTERM', forward);

child.on('close', (code, signal) => {
  clearTimeout(timer);
  if (code === 0) {
    console.log('npm run dist: done; the result is in release/.');
    return;
  }
  if (NETWORK.test(failureLine)) {
    console.error(
      `npm run dist: the Electron ${version} zip for ${process.platform}-${process.arch} could not be downloaded (${failureLine}); ` +
        'build on a machine that is online, or set ELECTRON_MIRROR to a mirror you can reach (or electronDist to an unpacked Electron), then run again.',
    );
  } else {
    console.error(
      `npm run dist: electron-builder failed${failureLine ? `: ${failureLine}` : signal ? ` (${signal})` : ` (exit code ${code})`}.`,
    );
  }
  process.exit(code || 1);
});
