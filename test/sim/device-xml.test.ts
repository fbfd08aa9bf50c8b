// The virtual programmer's own Firehose codec (src-main/sim/device-xml.ts) and its profiles
// against documents from public sessions (test/fixtures/real/firehose-documents): it reads what
// real hosts sent, writes what real programmers sent, and the quectel-sdx-nand profile answers
// QFirehose's configure with exactly the documents the SDX55 programmer sent in that session.

import { afterEach, describe, expect, it } from 'vitest';
import { DeviceXmlError, deviceDocument, HostStreamFramer, readHostDocument } from '../../src-main/sim/device-xml.js';
import { FaultPlan } from '../../src-main/sim/faults.js';
import { runFirehoseNand } from '../../src-main/sim/firehose-nand.js';
import { MODELS } from '../../src-main/sim/models.js';
import { Nand } from '../../src-main/sim/nand.js';
import { getProgrammerProfile } from '../../src-main/sim/programmer-profiles.js';
import { createMemoryPipePair } from '../../src-main/transport/memory.js';
import { goldenDocuments, hostDocument, wrapDeviceElement } from '../helpers/real-goldens.js';
import { ScriptedHost } from './scripted-host.js';

const golden = goldenDocuments();
const stops: (() => void)[] = [];
afterEach(() => {
  for (const s of stops.splice(0)) s();
});

describe('device reader on what real hosts sent', () => {
  it("reads QFirehose's configure with its double blanks and trailing newline", () => {
    const c = readHostDocument(hostDocument('qfirehose-configure'));
    expect(c.tag).toBe('configure');
    expect(c.int('MaxPayloadSizeToTargetInBytes')).toBe(8192);
    expect(c.get('memoryname')).toBe('nand'); // attribute names are matched without case, as the device does
    expect(c.flag('ZlpAwareHost')).toBe(true);
    expect(c.flag('SkipStorageInit')).toBe(false);
  });

  it("reads QFirehose's erase and program lines and edl's getstorageinfo with no blank before />", () => {
    const e = readHostDocument(hostDocument('qfirehose-erase'));
    expect([e.tag, e.int('start_sector'), e.int('num_partition_sectors'), e.int('PAGES_PER_BLOCK')]).toEqual([
      'erase',
      0,
      640,
      64,
    ]);
    const p = readHostDocument(hostDocument('qfirehose-program-sbl'));
    expect([p.tag, p.get('filename'), p.int('num_partition_sectors')]).toEqual(['program', '..\\sbl1.mbn', 139]);
    const g = readHostDocument(hostDocument('edl-getstorageinfo'));
    expect([g.tag, g.int('physical_partition_number')]).toEqual(['getstorageinfo', 0]);
    expect(readHostDocument(hostDocument('qfirehose-power')).get('value')).toBe('reset');
  });

  it('refuses what a real programmer refuses: no declaration, text between tags, a wrong closing tag, a second document', () => {
    const bad = [
      '<data><nop /></data>',
      '<?xml version="1.0" ?><data>junk<nop /></data>',
      '<?xml version="1.0" ?><data><nop></erase></data>',
      '<?xml version="1.0" ?><data><nop /></data><?xml version="1.0" ?><data><nop /></data>',
      '<?xml version="1.0" ?><data><program SECTOR_SIZE_IN_BYTES="2048 /></data>',
    ];
    for (const doc of bad) expect(() => readHostDocument(doc), doc).toThrow(DeviceXmlError);
    expect(
      readHostDocument("<?xml version='1.0'?>\n<DATA>\n  <!-- c -->\n  <NOP a='&lt;&#x41;&quot;'/>\n</Data>").get('A'),
    ).toBe('<A"');
  });

  it('cuts a byte stream into documents at </data>, whatever the read boundaries', () => {
    const stream = new TextEncoder().encode(hostDocument('qfirehose-configure') + hostDocument('qfirehose-erase'));
    const f = new HostStreamFramer(4096);
    const docs: string[] = [];
    for (const b of stream) {
      f.feed(Uint8Array.of(b));
      for (let d = f.next(); d !== undefined; d = f.next()) docs.push(d);
    }
    expect(docs.map((d) => readHostDocument(d).tag)).toEqual(['configure', 'erase']);
    expect(() => {
      const g = new HostStreamFramer(100);
      g.feed(new Uint8Array(200).fill(0x41));
      g.next();
    }).toThrow(DeviceXmlError);
  });
});

describe('device writer produces what real programmers sent', () => {
  it("edl issue 269's log document, declaration and <data> on lines of their own", () => {
    expect(deviceDocument('log', [['value', 'INFO: getstorageinfo']], 'lines')).toBe(golden.device[0]!.text);
  });

  it("QFirehose's printed answers, wrapped as Qualcomm's writer sends them", () => {
    expect(
      deviceDocument('response', [
        ['value', 'ACK'],
        ['rawmode', 'false'],
      ]),
    ).toBe(wrapDeviceElement('<response value="ACK" rawmode="false" />'));
    expect(deviceDocument('log', [['value', 'INFO: bsp_target_reset() 1']])).toBe(
      wrapDeviceElement('<log value="INFO: bsp_target_reset() 1" />'),
    );
    expect(deviceDocument('log', [['value', '{"a": "<b>"}']])).toBe(
      wrapDeviceElement('<log value="{&quot;a&quot;: &quot;&lt;b&gt;&quot;}" />'),
    );
  });
});

describe('the quectel-sdx-nand profile replays the SDX55 session (QFirehose log/MCU_local)', () => {
  it('startup burst, then the configure exchange: the same documents, in the same order', async () => {
    const model = MODELS.ec25;
    const nand = Nand.open({ model, totalBlocks: 64 });
    const pair = createMemoryPipePair({ maxPacketSize: 512 });
    const stop = new AbortController();
    const run = runFirehoseNand(pair.device, {
      model,
      nand,
      faults: new FaultPlan([]),
      signal: stop.signal,
      profile: getProgrammerProfile('quectel-sdx-nand'),
    });
    run.catch(() => undefined);
    stops.push(() => {
      stop.abort();
      pair.disconnect();
      nand.close();
    });
    const started = performance.now();
    await pair.host.write(new TextEncoder().encode(hostDocument('qfirehose-configure')), { timeoutMs: 2000 });
    const want = golden.deviceElements
      .slice(0, 23)
      .map((e) => wrapDeviceElement(e.text))
      .join('');
    let got = '';
    let firstAt = 0;
    while (got.length < want.length) {
      const chunk = await pair.host.read(64 * 1024, { timeoutMs: 3000 });
      if (got === '') firstAt = performance.now() - started;
      got += new TextDecoder().decode(chunk);
    }
    expect(got).toBe(want);
    expect(firstAt).toBeGreaterThanOrEqual(900); // first logs about a second after the start, as in the session
  });
});

describe("QFirehose's own documents, replayed against the quectel-sdx-nand profile", () => {
  it('configure, erase, program SBL (139 pages of data), power reset: all answered, the data lands', async () => {
    const model = MODELS.ec25;
    const nand = Nand.open({ model, totalBlocks: 64 });
    const pair = createMemoryPipePair({ maxPacketSize: 512 });
    const stop = new AbortController();
    const run = runFirehoseNand(pair.device, {
      model,
      nand,
      faults: new FaultPlan([]),
      signal: stop.signal,
      profile: getProgrammerProfile('quectel-sdx-nand'),
    });
    run.catch(() => undefined);
    stops.push(() => {
      stop.abort();
      pair.disconnect();
      nand.close();
    });
    const host = new ScriptedHost(pair.host, 4000);
    await host.startupLogs();
    await host.sendRaw(hostDocument('qfirehose-configure'));
    expect((await host.reply()).ack).toBe(true);
    await host.sendRaw(hostDocument('qfirehose-erase'));
    expect(await host.reply()).toMatchObject({ ack: true, rawmode: false });
    await host.sendRaw(hostDocument('qfirehose-program-sbl'));
    expect(await host.reply()).toMatchObject({ ack: true, rawmode: true, logs: ['INFO: Calling handler for program'] });
    const sbl = new Uint8Array(139 * 4096).map((_, i) => (i * 7) & 0xff);
    await host.writeData(sbl, 8192);
    expect(await host.reply()).toMatchObject({ ack: true, rawmode: false });
    await nand.settle();
    expect(Buffer.from(nand.read(0, 139)).equals(Buffer.from(sbl))).toBe(true);
    await host.sendRaw(hostDocument('qfirehose-power'));
    expect((await host.reply()).ack).toBe(true);
    await expect(run).resolves.toEqual({ kind: 'power', mode: 'reset' });
  });
});
