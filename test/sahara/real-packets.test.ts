// Both Sahara codecs against packets from public sessions (test/fixtures/real/sahara-packets):
// the host's (src-main/protocol/sahara.ts) and the virtual PBL's own (src-main/sim/device-sahara.ts).
// Neither is checked against the other: each is checked against the real bytes.

import { describe, expect, it } from 'vitest';
import { decodePacket, encodePacket, type SaharaPacket } from '../../src-main/protocol/sahara.js';
import {
  cmdReadyPacket,
  doneRespPacket,
  endOfImagePacket,
  helloPacket,
  readDataPacket,
  readHostPacket,
} from '../../src-main/sim/device-sahara.js';
import { goldenFields, goldenPacket, goldenPackets } from '../helpers/real-goldens.js';
import { startRig } from './helpers.js';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

describe('the goldens themselves', () => {
  it('are whole packets: each length field equals the bytes printed', () => {
    const all = goldenPackets();
    expect(all.length).toBeGreaterThanOrEqual(5);
    for (const p of all) expect(new DataView(p.bytes.buffer).getUint32(4, true)).toBe(p.bytes.length);
  });
});

describe('host codec (protocol/sahara.ts) on real packets', () => {
  it('decodes what devices sent: HELLO v2 / 0x400 / image transfer, CMD_READY, READ_DATA 13 @0x1000 +0x1000', () => {
    expect(decodePacket(goldenPacket('hello'))).toEqual({
      type: 'hello',
      version: 2,
      versionCompatible: 1,
      maxCommandPacketLength: 0x400,
      mode: 0,
    });
    expect(decodePacket(goldenPacket('cmd-ready'))).toEqual({ type: 'cmd-ready' });
    expect(decodePacket(goldenPacket('read-data'))).toEqual({
      type: 'read-data',
      imageId: 13,
      offset: 0x1000,
      length: 0x1000,
    });
  });

  it('encodes what hosts sent byte for byte (CMD_EXEC 2), and HELLO_RESP up to its reserved words', () => {
    expect(hex(encodePacket({ type: 'cmd-exec', clientCommand: 2 }))).toBe(hex(goldenPacket('cmd-exec')));
    const edl = goldenPacket('hello-resp');
    const ours = encodePacket({ type: 'hello-resp', version: 2, versionCompatible: 1, status: 0, mode: 3 });
    expect(hex(ours.subarray(0, 24))).toBe(hex(edl.subarray(0, 24))); // header, version, compatible, status, mode
    expect(ours.length).toBe(edl.length);
    expect(decodePacket(edl)).toEqual({ type: 'hello-resp', version: 2, versionCompatible: 1, status: 0, mode: 3 });
  });

  it('round-trips the fields hosts logged (qdl, QFirehose)', () => {
    const packets: SaharaPacket[] = goldenFields().map(({ packet, fields: f }) => {
      switch (packet) {
        case 'hello':
          return {
            type: 'hello',
            version: f.version!,
            versionCompatible: f.compatible!,
            maxCommandPacketLength: f.max_len!,
            mode: f.mode!,
          };
        case 'read-data':
          return { type: 'read-data', imageId: f.image!, offset: f.offset!, length: f.length! };
        case 'end-of-image-tx':
          return { type: 'end-of-image-tx', imageId: f.image_id!, status: f.status! };
        default:
          return { type: 'done-resp', imageTxStatus: f.image_tx_status! };
      }
    });
    expect(packets.length).toBe(8);
    for (const p of packets) expect(decodePacket(encodePacket(p))).toEqual(p);
  });
});

describe("the virtual PBL's own codec (sim/device-sahara.ts) on real packets", () => {
  it('encodes what devices sent byte for byte', () => {
    expect(hex(helloPacket(2, 1, 0x400, 0))).toBe(hex(goldenPacket('hello')));
    expect(hex(cmdReadyPacket())).toBe(hex(goldenPacket('cmd-ready')));
    expect(hex(readDataPacket(13, 0x1000, 0x1000))).toBe(hex(goldenPacket('read-data')));
  });

  it('decodes what hosts sent, ignoring the reserved words edl fills with 1..6', () => {
    expect(readHostPacket(goldenPacket('hello-resp'))).toEqual({
      kind: 'hello-resp',
      version: 2,
      versionCompatible: 1,
      mode: 3,
    });
    expect(readHostPacket(goldenPacket('cmd-exec'))).toEqual({ kind: 'exec', clientCommand: 2 });
  });

  it('writes the packets whose fields hosts logged with those fields', () => {
    for (const { packet, fields: f } of goldenFields()) {
      const bytes =
        packet === 'hello'
          ? helloPacket(f.version!, f.compatible!, f.max_len!, f.mode!)
          : packet === 'read-data'
            ? readDataPacket(f.image!, f.offset!, f.length!)
            : packet === 'end-of-image-tx'
              ? endOfImagePacket(f.image_id!, f.status!)
              : doneRespPacket(f.image_tx_status!);
      const dv = new DataView(bytes.buffer);
      const words = Array.from({ length: (bytes.length - 8) / 4 }, (_, i) => dv.getUint32(8 + 4 * i, true));
      const want = Object.values(f);
      expect(words.slice(0, want.length)).toEqual(want);
      expect(words.slice(want.length).every((w) => w === 0)).toBe(true);
    }
  });
});

describe('the virtual PBL answers the bytes real hosts sent', () => {
  it("edl's HELLO_RESP (reserved words 1..6) opens COMMAND mode; edl's CMD_EXEC 2 gets the MSM HW ID", async () => {
    const rig = startRig();
    const io = { timeoutMs: 2000 };
    try {
      expect(hex(await rig.reader.readExact(0x30, io))).toBe(hex(goldenPacket('hello')));
      await rig.pair.host.write(goldenPacket('hello-resp'), io);
      expect(hex(await rig.reader.readExact(8, io))).toBe(hex(goldenPacket('cmd-ready')));
      await rig.pair.host.write(goldenPacket('cmd-exec'), io);
      expect(decodePacket(await rig.reader.readExact(0x10, io))).toEqual({
        type: 'cmd-exec-resp',
        clientCommand: 2,
        responseLength: 8,
      });
    } finally {
      await rig.stop();
    }
  });
});
