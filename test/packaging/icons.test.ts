// The committed icons are what scripts/make-icons.js draws, and they are valid PNGs whose pixels
// show the design (dark chip body, gold pins, green check, transparent corners).
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { inflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

interface IconScript {
  drawIcon(size: number): Uint8Array;
  encodePng(width: number, height: number, rgba: Uint8Array): Buffer;
}
const scriptUrl = pathToFileURL(join(root, 'scripts', 'make-icons.js')).href;
const loadScript = async (): Promise<IconScript> => (await import(scriptUrl)) as IconScript;

/** RGBA pixels of an 8-bit RGBA, unfiltered PNG (what the script writes), chunk CRCs checked. */
function decode(png: Buffer): { width: number; height: number; rgba: Uint8Array } {
  expect(png.subarray(0, 8).toString('hex')).toBe('89504e470d0a1a0a');
  let off = 8;
  let width = 0,
    height = 0;
  const idat: Buffer[] = [];
  while (off < png.length) {
    const len = png.readUInt32BE(off);
    const type = png.toString('latin1', off + 4, off + 8);
    const data = png.subarray(off + 8, off + 8 + len);
    const crc = png.readUInt32BE(off + 8 + len);
    let c = 0xffffffff;
    for (const b of png.subarray(off + 4, off + 8 + len)) {
      c ^= b;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    }
    expect((c ^ 0xffffffff) >>> 0, `${type} CRC`).toBe(crc);
    if (type === 'IHDR') {
      width = data.readUInt32BE(0);
      height = data.readUInt32BE(4);
      expect([data[8], data[9]]).toEqual([8, 6]);
    }
    if (type === 'IDAT') idat.push(data);
    off += 12 + len;
  }
  const raw = inflateSync(Buffer.concat(idat));
  expect(raw.length).toBe(height * (width * 4 + 1));
  const rgba = new Uint8Array(width * height * 4);
  for (let y = 0; y < height; y++) {
    expect(raw[y * (width * 4 + 1)]).toBe(0);
    rgba.set(raw.subarray(y * (width * 4 + 1) + 1, (y + 1) * (width * 4 + 1)), y * width * 4);
  }
  return { width, height, rgba };
}

describe('app icons', () => {
  it('the committed small icons are byte for byte what the script draws', async () => {
    const script = await loadScript();
    for (const size of [16, 32, 48]) {
      const committed = readFileSync(join(root, 'assets', 'icons', `${size}x${size}.png`));
      expect(
        Buffer.compare(script.encodePng(size, size, script.drawIcon(size)), committed),
        `${size}x${size}.png is current`,
      ).toBe(0);
    }
  });

  it('the pixels show the design: transparent corner, dark body, gold pin, green check', () => {
    const { width, rgba } = decode(readFileSync(join(root, 'assets', 'icons', '64x64.png')));
    const at = (x32: number, y32: number): number[] => {
      const o = (Math.floor(y32 * 2) * width + Math.floor(x32 * 2)) * 4;
      return Array.from(rgba.subarray(o, o + 4));
    };
    expect(at(0.5, 0.5)[3]).toBe(0);
    expect(at(16, 7)).toEqual([0x1d, 0x2b, 0x3f, 255]);
    expect(at(7.5, 9)).toEqual([0xc9, 0xa8, 0x6a, 255]);
    expect(at(14.5, 20)).toEqual([0x3c, 0xcf, 0x7a, 255]);
  });
});
