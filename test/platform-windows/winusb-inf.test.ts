// The WinUSB driver package: a well-formed INF that binds the in-box winusb.inf to 05C6:9008 on
// every architecture, defines every section and string it uses, and refers to no file it lacks.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const text = readFileSync(join(root, 'assets', 'windows', 'modem-rescue-winusb.inf'), 'utf8');

/** Sections of an INF: name (lower-cased) -> directive lines without comments. */
function sections(inf: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  let current: string[] | undefined;
  for (const raw of inf.split(/\r?\n/)) {
    const line = raw.replace(/;.*$/, '').trim();
    if (line === '') continue;
    const head = /^\[([^\]]+)\]$/.exec(line);
    if (head) {
      const name = head[1]!.toLowerCase();
      expect(out.has(name), `section [${head[1]}] is defined once`).toBe(false);
      current = [];
      out.set(name, current);
    } else {
      expect(current, `"${line}" sits in a section`).toBeDefined();
      current!.push(line);
    }
  }
  return out;
}

function entry(lines: string[] | undefined, key: string): string | undefined {
  const line = lines?.find((l) => l.split('=')[0]!.trim().toLowerCase() === key.toLowerCase());
  return line?.slice(line.indexOf('=') + 1).trim();
}

const s = sections(text);

describe('modem-rescue-winusb.inf', () => {
  it('is an NT driver package of the USBDevice class, without a catalog it does not ship', () => {
    const version = s.get('version');
    expect(entry(version, 'Signature')).toBe('"$Windows NT$"');
    expect(entry(version, 'Class')).toBe('USBDevice');
    expect(entry(version, 'ClassGuid')?.toUpperCase()).toBe('{88BAE032-5A81-49F0-BC3D-A4FF138216D6}');
    expect(entry(version, 'DriverVer')).toMatch(/^\d{2}\/\d{2}\/\d{4},\d+\.\d+\.\d+\.\d+$/);
    expect(entry(version, 'CatalogFile')).toBeUndefined();
  });

  it("binds exactly 05C6:9008 in every architecture's models section", () => {
    const [models, ...decorations] = entry(s.get('manufacturer'), '%ProviderName%')!
      .split(',')
      .map((x) => x.trim());
    expect(decorations.sort()).toEqual(['NTamd64', 'NTarm64', 'NTx86']);
    for (const d of decorations) {
      const lines = s.get(`${models}.${d}`.toLowerCase());
      expect(lines, `[${models}.${d}]`).toEqual(['%EdlDeviceName% = EdlWinUsb, USB\\VID_05C6&PID_9008']);
    }
  });

  it('installs through the in-box winusb.inf and registers a device interface GUID', () => {
    expect(entry(s.get('edlwinusb'), 'Include')).toBe('winusb.inf');
    expect(entry(s.get('edlwinusb'), 'Needs')).toBe('WINUSB.NT');
    expect(entry(s.get('edlwinusb.services'), 'Include')).toBe('winusb.inf');
    expect(entry(s.get('edlwinusb.services'), 'Needs')).toBe('WINUSB.NT.Services');
    const reg = s.get((entry(s.get('edlwinusb.hw'), 'AddReg') ?? '').toLowerCase());
    expect(reg).toEqual([
      expect.stringMatching(
        /^HKR,,DeviceInterfaceGUIDs,0x10000,"\{[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}\}"$/i,
      ),
    ]);
    expect([...s.keys()].some((k) => /copyfiles|sourcedisks/.test(k))).toBe(false);
  });

  it('defines every %string% it uses', () => {
    const strings = new Set((s.get('strings') ?? []).map((l) => l.split('=')[0]!.trim().toLowerCase()));
    const used = [...text.replace(/;.*$/gm, '').matchAll(/%(\w+)%/g)].map((m) => m[1]!.toLowerCase());
    expect(used.length).toBeGreaterThan(0);
    for (const u of used) expect(strings.has(u), `%${u}% defined`).toBe(true);
  });

  it('is plain ASCII with Windows-safe lines (pnputil reads it as ANSI)', () => {
    const odd = [...Buffer.from(text, 'utf8')].filter(
      (b) => !(b === 9 || b === 10 || b === 13 || (b >= 0x20 && b <= 0x7e)),
    );
    expect(odd).toEqual([]);
  });
});
