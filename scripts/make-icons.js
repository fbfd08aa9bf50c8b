#!/usr/bin/env node
// Draws the app icon (the wizard's icon, src-renderer/icon.svg, at installer size) as PNG files
// without any image tool: a chip with pins and a green check, anti-aliased by exact coverage of
// each shape's distance field. `node scripts/make-icons.js [OUT_DIR]` writes icon.png (1024 px,
// enough for the macOS icns and the Windows ico electron-builder makes from it) and
// icons/NxN.png for Linux into OUT_DIR (default assets/). The output is deterministic.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { deflateSync } from 'node:zlib';

// The design on the SVG's 32 x 32 grid (assets/icon.svg holds the same shapes).
const BODY = { x: 3, y: 5, w: 26, h: 22, r: 3, color: [0x1d, 0x2b, 0x3f] };
const PIN_COLOR = [0xc9, 0xa8, 0x6a];
const PINS = [8, 13, 18, 23].flatMap((y) => [
  { x: 6, y, w: 3, h: 2 },
  { x: 23, y, w: 3, h: 2 },
]);
const CHECK = {
  points: [
    [11, 17],
    [14.5, 20.5],
    [21, 12],
  ],
  halfWidth: 1.5,
  color: [0x3c, 0xcf, 0x7a],
};

function roundedRectDistance(px, py, { x, y, w, h, r }) {
  const cx = x + w / 2,
    cy = y + h / 2;
  const qx = Math.abs(px - cx) - (w / 2 - r);
  const qy = Math.abs(py - cy) - (h / 2 - r);
  const outside = Math.hypot(Math.max(qx, 0), Math.max(qy, 0));
  return outside + Math.min(Math.max(qx, qy), 0) - r;
}

function segmentDistance(px, py, [ax, ay], [bx, by]) {
  const dx = bx - ax,
    dy = by - ay;
  const t = Math.max(0, Math.min(1, ((px - ax) * dx + (py - ay) * dy) / (dx * dx + dy * dy)));
  return Math.hypot(px - ax - t * dx, py - ay - t * dy);
}

/** Coverage of a pixel by a shape whose signed distance (in pixels) at the pixel centre is d. */
const coverage = (d) => Math.max(0, Math.min(1, 0.5 - d));

function blend(dst, color, alpha) {
  if (alpha <= 0) return;
  const outA = alpha + dst[3] * (1 - alpha);
  for (let c = 0; c < 3; c++) dst[c] = (color[c] * alpha + dst[c] * dst[3] * (1 - alpha)) / outA;
  dst[3] = outA;
}

/** RGBA pixels of the icon at size x size. */
export function drawIcon(size) {
  const scale = size / 32;
  const rgba = new Uint8Array(size * size * 4);
  const px = [0, 0, 0, 0];
  for (let j = 0; j < size; j++) {
    for (let i = 0; i < size; i++) {
      const x = (i + 0.5) / scale,
        y = (j + 0.5) / scale;
      px[0] = px[1] = px[2] = px[3] = 0;
      blend(px, BODY.color, coverage(roundedRectDistance(x, y, BODY) * scale));
      for (const pin of PINS) blend(px, PIN_COLOR, coverage(roundedRectDistance(x, y, { ...pin, r: 0 }) * scale));
      let d = Infinity;
      for (let k = 1; k < CHECK.points.length; k++)
        d = Math.min(d, segmentDistance(x, y, CHECK.points[k - 1], CHECK.points[k]));
      blend(px, CHECK.color, coverage((d - CHECK.halfWidth) * scale));
      const o = (j * size + i) * 4;
      for (let c = 0; c < 3; c++) rgba[o + c] = Math.round(px[c]);
      rgba[o + 3] = Math.round(px[3] * 255);
    }
  }
  return rgba;
}

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(bytes) {
  let c = 0xffffffff;
  for (const b of bytes) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type, data) {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, 'latin1');
  Buffer.from(data).copy(out, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length);
  return out;
}

/** A PNG file (8-bit RGBA, no filtering) of the given pixels. */
export function encodePng(width, height, rgba) {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 8; // bit depth
  header[9] = 6; // colour type RGBA
  const raw = Buffer.alloc(height * (width * 4 + 1));
  for (let y = 0; y < height; y++) {
    raw[y * (width * 4 + 1)] = 0; // filter: none
    Buffer.from(rgba.buffer, rgba.byteOffset + y * width * 4, width * 4).copy(raw, y * (width * 4 + 1) + 1);
  }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(raw, { level: 9 })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

export const LINUX_SIZES = [16, 32, 48, 64, 128, 256, 512];

export function writeIcons(outDir) {
  mkdirSync(join(outDir, 'icons'), { recursive: true });
  const written = [];
  const write = (path, size) => {
    writeFileSync(path, encodePng(size, size, drawIcon(size)));
    written.push(path);
  };
  write(join(outDir, 'icon.png'), 1024);
  for (const size of LINUX_SIZES) write(join(outDir, 'icons', `${size}x${size}.png`), size);
  return written;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const root = join(dirname(fileURLToPath(import.meta.url)), '..');
  for (const path of writeIcons(process.argv[2] ?? join(root, 'assets'))) console.log(path);
}
