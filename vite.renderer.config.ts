// Builds the wizard (src-renderer) into dist-renderer/, served by the Electron window (file://)
// and by `modem-rescue serve`. Relative asset paths so both work; nothing loaded from the network.
import { defineConfig } from 'vite';

export default defineConfig({
  root: 'src-renderer',
  base: './',
  publicDir: false,
  oxc: { jsx: { runtime: 'automatic', importSource: 'react' } },
  build: {
    outDir: '../dist-renderer',
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: true,
    // CSP: no inline scripts or styles; keep every asset a file.
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
  },
});
