import { afterEach, describe, expect, it } from 'vitest';
import { DiagError } from '../../src-main/host/diag-client.js';
import { decodeDiagErrorResponse, encodeNvReadRequest, isUnsolicited } from '../../src-main/protocol/diag.js';
import { HdlcDecoder, hdlcEncode } from '../../src-main/protocol/hdlc.js';
import { FEATURE_MASK } from '../../src-main/sim/diag-device.js';
import { MODELS } from '../../src-main/sim/models.js';
import { imeiToNv, nvToImei } from '../../src-main/protocol/imei.js';
import { HIDDEN_PATHS, NV_STATUS, modelImeis } from '../../src-main/sim/normal-state.js';
import type { BulkPipe } from '../../src-main/transport/transport.js';
import { cleanup, startNormal } from './harness.js';

afterEach(cleanup);

const [IMEI1, IMEI2] = modelImeis(MODELS.ec25);

/** Raw frames from the DM pipe until `count` frames arrived (bounded). */
async function readFrames(pipe: BulkPipe, count: number): Promise<Uint8Array[]> {
  const dec = new HdlcDecoder();
  const out: Uint8Array[] = [];
  while (out.length < count) {
    for (const f of dec.push(await pipe.read(65536, { timeoutMs: 2000 }))) {
      if (!f.ok) throw new Error(f.error);
      out.push(f.payload);
    }
  }
  return out;
}

describe('virtual modem in normal mode: the DIAG port', () => {
  it('reports its identity: EXT_BUILD_ID with the firmware version and model, VERNO, feature mask', async () => {
    const h = await startNormal();
    expect(h.modem.state).toBe('normal');
    const d = await h.diag();
    const b = await d.extBuildId();
    expect(b.build).toBe(MODELS.ec25.firmware);
    expect(b.model).toBe('EC25');
    expect(b.msmHwVersion).toBe(0x000480e1);
    const v = await d.version();
    expect(v.compDate).toBe('Mar 17 2021');
    expect(await d.featureQuery()).toEqual(Uint8Array.from(FEATURE_MASK));
  });

  it('reads NV in both contexts (IMEI and second IMEI), NOTACTIVE/BADPARM, multi-entry items by index', async () => {
    const h = await startNormal();
    const d = await h.diag();
    const imei = await d.nvRead(550);
    expect(imei.status).toBe(NV_STATUS.DONE);
    expect(nvToImei(imei.data)).toBe(IMEI1);
    expect(nvToImei((await d.nvRead(550, { context: 1 })).data)).toBe(IMEI2);
    const state = h.modem.normalState!;
    const notActive = Array.from({ length: 7000 }, (_, i) => i).find(
      (i) => state.nvRead(i, 0).status === NV_STATUS.NOTACTIVE,
    )!;
    expect((await d.nvRead(notActive)).status).toBe(NV_STATUS.NOTACTIVE);
    expect((await d.nvRead(7400)).status).toBe(NV_STATUS.BADPARM);
    expect((await d.nvRead(570)).data).toEqual(state.nvRead(570, 0).data);
    const e2 = await d.nvRead(259, { index: 2 });
    expect(e2.status).toBe(NV_STATUS.DONE);
    expect(e2.data[0]).toBe(2);
    expect((await d.nvRead(259, { index: 1 })).data).not.toEqual(e2.data);
    expect((await d.nvRead(259, { index: 9 })).status).toBe(NV_STATUS.BADPARM);
    // The indexed items real QPST backups hold: 1014 entries 0-5 (index in data[0]), 6.. never written;
    // 4678 one value whatever the index; no subscription 2.
    expect((await d.nvRead(1014, { index: 5 })).data[0]).toBe(5);
    expect((await d.nvRead(1014, { index: 6 })).status).toBe(NV_STATUS.NOTACTIVE);
    const e5 = new Uint8Array(128).fill(0xab);
    e5[0] = 5;
    expect(await d.nvWrite(1014, e5)).toBe(NV_STATUS.DONE);
    expect((await d.nvRead(1014, { index: 5 })).data).toEqual(e5);
    expect((await d.nvRead(1014, { index: 0 })).data[0]).toBe(0);
    expect((await d.nvRead(4678, { index: 3 })).data).toEqual((await d.nvRead(4678, { index: 0 })).data);
    expect((await d.nvRead(550, { context: 2 })).status).toBe(NV_STATUS.BADPARM);
  });

  it('writes NV in both contexts; identity items are READONLY until the SPC is accepted', async () => {
    const h = await startNormal();
    const d = await h.diag();
    expect(await d.nvWrite(10, Uint8Array.of(7, 7))).toBe(NV_STATUS.DONE);
    expect((await d.nvRead(10)).data.subarray(0, 3)).toEqual(Uint8Array.of(7, 7, 0));
    expect(await d.nvWrite(441, Uint8Array.of(5), { context: 1 })).toBe(NV_STATUS.DONE);
    expect((await d.nvRead(441, { context: 1 })).data[0]).toBe(5);
    const other = imeiToNv('490154203237518');
    expect(await d.nvWrite(550, other)).toBe(NV_STATUS.READONLY);
    expect(await d.spc('123456')).toBe(false);
    expect(await d.nvWrite(550, other)).toBe(NV_STATUS.READONLY);
    expect(await d.spc()).toBe(true);
    expect(await d.nvWrite(550, other)).toBe(NV_STATUS.DONE);
    expect(nvToImei((await d.nvRead(550)).data)).toBe('490154203237518');
    expect(h.modem.normalState!.imei(0)).toBe('490154203237518');
  });

  it('answers many pipelined NV reads in order while slipping in unsolicited frames', async () => {
    const h = await startNormal({ normal: { diagUnsolicitedEvery: 10 } });
    const d = await h.diag({ maxInFlight: 8 });
    const ids = Array.from({ length: 300 }, (_, i) => i * 7);
    const got = await Promise.all(ids.map((id) => d.nvRead(id)));
    const state = h.modem.normalState!;
    got.forEach((r, i) => expect(r.status).toBe(state.nvRead(ids[i]!, 0).status));
    await d.close();
    // Raw: 20 requests give 20 answers plus 2 unsolicited frames.
    const pipe = await h.openDm();
    for (let i = 0; i < 20; i++) await pipe.write(hdlcEncode(encodeNvReadRequest(550)), { timeoutMs: 1000 });
    const frames = await readFrames(pipe, 22);
    expect(frames.filter(isUnsolicited).length).toBe(2);
    expect(frames.filter((f) => f[0] === 0x26).length).toBe(20);
    await pipe.close();
  });

  it('answers a garbage frame and an unknown command with BAD_CMD (0x13), a truncated NV read with BAD_LEN', async () => {
    const h = await startNormal({ normal: { diagUnsolicitedEvery: 0 } });
    const pipe = await h.openDm();
    await pipe.write(Uint8Array.of(0x01, 0x02, 0x03, 0x04, 0x7e), { timeoutMs: 1000 });
    await pipe.write(hdlcEncode(Uint8Array.of(0xee, 1, 2)), { timeoutMs: 1000 });
    await pipe.write(hdlcEncode(Uint8Array.of(0x26, 0x26, 0x02)), { timeoutMs: 1000 });
    const [garbage, unknown, short] = await readFrames(pipe, 3);
    expect(decodeDiagErrorResponse(garbage!).code).toBe(0x13);
    expect(decodeDiagErrorResponse(unknown!)).toEqual({ code: 0x13, echo: Uint8Array.of(0xee, 1, 2) });
    expect(decodeDiagErrorResponse(short!).code).toBe(0x15);
    await pipe.close();
    const d = await h.diag();
    await expect(d.request(Uint8Array.of(0xee))).rejects.toBeInstanceOf(DiagError);
  });

  it('EFS: lists folders without the hidden files, which still answer by path; reads and writes files and item files', async () => {
    const h = await startNormal();
    const d = await h.diag();
    await d.efs.hello();
    const state = h.modem.normalState!;
    const rfnv = await d.efs.listDir('/nv/item_files/rfnv');
    expect(rfnv.map((e) => e.name)).toEqual(state.list('/nv/item_files/rfnv')!.map((e) => e.name));
    const first = rfnv[0]!;
    const path = `/nv/item_files/rfnv/${first.name}`;
    expect(first.size).toBe(state.readFile(path)!.length);
    expect(await d.efs.readFile(path)).toEqual(state.readFile(path));
    expect(await d.efs.getItem(path)).toEqual(state.readFile(path));
    const mmode = (await d.efs.listDir('/nv/item_files/modem/mmode')).map((e) => e.name);
    expect(mmode).toContain('voice_domain_pref_Subscription01');
    expect(mmode).not.toContain('ue_usage_setting');
    for (const p of HIDDEN_PATHS) {
      expect(await d.efs.stat(p)).toMatchObject({ size: state.readFile(p)!.length });
      expect(await d.efs.getItem(p)).toEqual(state.readFile(p));
    }
    expect(await d.efs.stat('/nope/x')).toBeUndefined();
    expect(await d.efs.getItem('/nope/x')).toBeUndefined();
    const big = new Uint8Array(3000).map((_, i) => (i * 13) & 0xff);
    await d.efs.writeFile('/data/test/blob.bin', big);
    expect(await d.efs.readFile('/data/test/blob.bin')).toEqual(big);
    await d.efs.putItem('/nv/item_files/ims/new_item', Uint8Array.of(1, 2, 3));
    expect(await d.efs.getItem('/nv/item_files/ims/new_item')).toEqual(Uint8Array.of(1, 2, 3));
    await d.efs.sync();
    expect(state.readFile('/data/test/blob.bin')).toEqual(big);
  });

  it('EFS: the journal fills after too many writes without a sync (ENOSPC); a sync empties it', async () => {
    const h = await startNormal({ normal: { journalWrites: 10 } });
    const d = await h.diag();
    for (let i = 0; i < 10; i++) await d.efs.putItem(`/nv/item_files/t/item${i}`, Uint8Array.of(i));
    const err = await d.efs.putItem('/nv/item_files/t/item10', Uint8Array.of(10)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DiagError);
    expect(String((err as Error).message)).toMatch(/ENOSPC|full/);
    expect(h.modem.normalState!.readFile('/nv/item_files/t/item10')).toBeUndefined();
    await d.efs.sync();
    await d.efs.putItem('/nv/item_files/t/item10', Uint8Array.of(10));
    expect(await d.efs.getItem('/nv/item_files/t/item10')).toEqual(Uint8Array.of(10));
  });

  it('defaults to a journal of 100 writes', async () => {
    const h = await startNormal();
    const d = await h.diag();
    const data = new Uint8Array(1024 * 101).fill(1);
    await expect(d.efs.writeFile('/data/huge.bin', data)).rejects.toThrow(/ENOSPC|full/);
    await d.efs.sync();
    await d.efs.writeFile('/data/huge.bin', data.subarray(0, 1024 * 99));
    expect((await d.efs.stat('/data/huge.bin'))!.size).toBe(1024 * 99);
  });
});
