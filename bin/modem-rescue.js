#!/usr/bin/env node
// Entry point of the `modem-rescue` command. The TypeScript sources are compiled to dist/ by
// `npm install` (the package's `prepare` script); this file only hands over to them.
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { dirname, join } from 'node:path';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const entry = join(root, 'dist', 'src-main', 'cli', 'main.js');
if (!existsSync(entry)) {
  console.error('modem-rescue is not built yet: run `npm install` (or `npm run build`) in ' + root);
  process.exit(70);
}
const { main } = await import(pathToFileURL(entry).href);
process.exitCode = await main(process.argv.slice(2));
