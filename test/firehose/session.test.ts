import { afterEach, describe, expect, it } from 'vitest';
import { FirehoseNakError } from '../../src-main/host/firehose-host.js';
import { logDoc, responseDoc } from './fake-device.js';
import { configured, deviceLogEvents, makeRig, NAND, stopRigs } from './helpers.js';
import { rejection } from '../helpers/rejection.js';

afterEach(stopRigs);

const STARTUP = [
  'Binary build date: Jun 25 2019 @ 03:40:43',
  'Chip serial num: 0 (0x0)',
  'Supported Functions (6):',
  'program',
  'read',
  'nop',
  'patch',
  'configure',
  'getsha256digest',
  'End of supported functions 6',
];

describe('startup', () => {
  it('drains the startup burst, however it is cut into transfers, and learns the function list', async () => {
    const { dev, session, events } = makeRig();
    const all = STARTUP.map(logDoc).join('');
    // first half in one transfer, a document cut in the middle, the rest byte-sized at the end
    const cut = all.length / 2 + 7;
    await dev.send(all.slice(0, cut));
    await dev.send(all.slice(cut, -20));
    await dev.send(all.slice(-20), 3);
    const lines = await session.drainStartup();
    expect(lines).toEqual(STARTUP);
    expect([...session.functions].sort()).toEqual(['configure', 'getsha256digest', 'nop', 'patch', 'program', 'read']);
    expect(session.deviceLog).toEqual(STARTUP);
    expect(deviceLogEvents(events)).toEqual(STARTUP);
  });

  it('is fine with no burst at all', async () => {
    const { session } = makeRig();
    expect(await session.drainStartup()).toEqual([]);
    expect(session.functions.size).toBe(0);
  });

  it('stops draining a programmer that never goes quiet', async () => {
    const { dev, session } = makeRig({ timeouts: { startupQuietMs: 200, startupMaxMs: 300 } });
    let flooding = true;
    const flood = (async () => {
      for (let i = 0; flooding; i++) {
        await dev.log(`flood ${i}`);
        await new Promise((r) => setTimeout(r, 5));
      }
    })();
    const lines = await session.drainStartup();
    flooding = false;
    await flood;
    expect(lines.length).toBeGreaterThan(3);
    expect(lines[0]).toBe('flood 0');
  });
});

describe('probe', () => {
  it('is true when a programmer answers <nop/>', async () => {
    const { session, dev } = makeRig();
    expect(await session.probe(500)).toBe(true);
    expect(dev.commands.map((c) => c.tag)).toEqual(['nop']);
  });

  it('is false on silence', async () => {
    const { session, dev } = makeRig({ startDevice: false });
    void dev;
    expect(await session.probe(100)).toBe(false);
  });

  it('is false on bytes that are not Firehose, and hands them back to the reader', async () => {
    const { session, dev, reader } = makeRig({ startDevice: false });
    const hello = new Uint8Array(48).fill(0x02);
    hello[0] = 0x01; // a Sahara HELLO, not XML
    await dev.send(hello);
    expect(await session.probe(100)).toBe(false);
    expect(await reader.readExact(48, { timeoutMs: 100 })).toEqual(hello);
  });
});

describe('configure', () => {
  it('accepts what a real NAND programmer answers', async () => {
    const rig = makeRig();
    const cfg = await rig.session.configure({ memoryName: 'nand', maxPayloadToTarget: 8192 });
    expect(cfg).toEqual({
      memoryName: 'nand',
      maxPayloadToTarget: 8192,
      maxPayloadToTargetSupported: 8192,
      maxPayloadFromTarget: 4096,
      maxXmlSize: 4096,
      version: '1',
      targetName: 'MDM9607',
    });
    expect(rig.session.config).toEqual(cfg);
    expect(rig.dev.commands[0]!.attrs).toMatchObject({
      MemoryName: 'nand',
      ZlpAwareHost: '1',
      MaxPayloadSizeToTargetInBytes: '8192',
    });
  });

  it('tells the programmer the host sends no ZLPs when the link does not', async () => {
    const rig = makeRig({ hostSendsZlp: false });
    await configured(rig);
    expect(rig.dev.commands[0]!.attrs.ZlpAwareHost).toBe('0');
  });

  it('re-sends with the size a NAK suggests', async () => {
    const rig = makeRig();
    rig.dev.handlers.configure = async (cmd, d) => {
      if (Number(cmd.attrs.MaxPayloadSizeToTargetInBytes) > 16384) {
        await d.log("ERROR: Host's payload to target size is too large");
        await d.respond(false, { MaxPayloadSizeToTargetInBytes: 16384 });
      } else
        await d.respond(true, {
          MaxPayloadSizeToTargetInBytes: cmd.attrs.MaxPayloadSizeToTargetInBytes!,
          MaxPayloadSizeToTargetInBytesSupported: 16384,
        });
    };
    const cfg = await rig.session.configure({ memoryName: 'nand', maxPayloadToTarget: 1048576 });
    expect(cfg.maxPayloadToTarget).toBe(16384);
    expect(rig.dev.commands.map((c) => c.attrs.MaxPayloadSizeToTargetInBytes)).toEqual(['1048576', '16384']);
  });

  it('re-configures upward once when the programmer supports more than it granted', async () => {
    const rig = makeRig();
    rig.dev.maxPayload = 8192;
    rig.dev.maxPayloadSupported = 65536;
    rig.dev.handlers.configure = async (cmd, d) => {
      const asked = Number(cmd.attrs.MaxPayloadSizeToTargetInBytes);
      // like programmers that grant their default first, whatever was asked
      const grant = d.commands.length === 1 ? 8192 : asked;
      await d.respond(true, { MaxPayloadSizeToTargetInBytes: grant, MaxPayloadSizeToTargetInBytesSupported: 65536 });
    };
    const cfg = await rig.session.configure({ memoryName: 'nand', maxPayloadToTarget: 1048576 });
    expect(cfg.maxPayloadToTarget).toBe(65536);
    expect(rig.dev.commands.map((c) => c.attrs.MaxPayloadSizeToTargetInBytes)).toEqual(['1048576', '65536']);
  });

  it('goes back to the granted size when the upsize is refused', async () => {
    const rig = makeRig();
    rig.dev.handlers.configure = async (cmd, d) => {
      const asked = Number(cmd.attrs.MaxPayloadSizeToTargetInBytes);
      if (d.commands.length === 1)
        await d.respond(true, { MaxPayloadSizeToTargetInBytes: 8192, MaxPayloadSizeToTargetInBytesSupported: 65536 });
      else if (asked > 8192) await d.respond(false);
      else
        await d.respond(true, { MaxPayloadSizeToTargetInBytes: 8192, MaxPayloadSizeToTargetInBytesSupported: 65536 });
    };
    const cfg = await rig.session.configure({ memoryName: 'nand', maxPayloadToTarget: 1048576 });
    expect(cfg.maxPayloadToTarget).toBe(8192);
    expect(rig.dev.commands.map((c) => c.attrs.MaxPayloadSizeToTargetInBytes)).toEqual(['1048576', '65536', '8192']);
  });

  it('never loops: a programmer that keeps refusing ends after three tries', async () => {
    const rig = makeRig();
    rig.dev.handlers.configure = async (cmd, d) => {
      await d.respond(false, {
        MaxPayloadSizeToTargetInBytes: Math.floor(Number(cmd.attrs.MaxPayloadSizeToTargetInBytes) / 2),
      });
    };
    const e = await rejection(rig.session.configure({ memoryName: 'nand', maxPayloadToTarget: 1048576 }));
    expect(e.code).toBe('FIREHOSE_CONFIGURE_FAILED');
    expect(rig.dev.commands).toHaveLength(3);
  });

  it('fails at once on a NAK that suggests nothing smaller', async () => {
    const rig = makeRig();
    rig.dev.handlers.configure = async (_, d) => {
      await d.log('ERROR: unsupported memory');
      await d.respond(false, { MaxPayloadSizeToTargetInBytes: 1048576 });
    };
    const e = await rejection(rig.session.configure({ memoryName: 'emmc', maxPayloadToTarget: 1048576 }));
    expect(e.code).toBe('FIREHOSE_CONFIGURE_FAILED');
    expect(e.message).toContain('unsupported memory');
    expect(rig.dev.commands).toHaveLength(1);
  });
});

describe('framing', () => {
  it('reads an answer fed one byte per transfer, at every boundary', async () => {
    const rig = makeRig();
    const answer = logDoc('erasing') + responseDoc(true);
    rig.dev.handlers.erase = (_, d) => d.send(answer, 1);
    await rig.session.erase({ ...NAND, startSector: 0, numSectors: 640 });
    expect(rig.session.deviceLog).toEqual(['erasing']);
  });

  it('reads an answer cut in two at every possible byte', async () => {
    const rig = makeRig();
    const answer = logDoc('a <log> with </data> inside') + responseDoc(true);
    let cut = 1;
    rig.dev.handlers.nop = async (_, d) => {
      await d.send(answer.slice(0, cut));
      await d.send(answer.slice(cut));
    };
    for (; cut < answer.length; cut++) await rig.session.nop();
    expect(rig.session.deviceLog.at(-1)).toBe('a <log> with </data> inside');
    expect(rig.dev.commands).toHaveLength(answer.length - 1);
  });

  it('reads several documents in one transfer', async () => {
    const rig = makeRig();
    rig.dev.handlers.nop = (_, d) => d.send(logDoc('one') + logDoc('two') + responseDoc(true) + logDoc('three'));
    await rig.session.nop();
    expect(rig.session.deviceLog).toEqual(['one', 'two', 'three']);
  });

  it('collects logs that come after a response without mistaking them for the next answer', async () => {
    const rig = makeRig();
    let n = 0;
    rig.dev.handlers.nop = async (_, d) => {
      n++;
      if (n === 1) {
        await d.respond(true);
        await d.log('after the ACK 1');
        await d.log('after the ACK 2');
      } else {
        await d.respond(false);
      }
    };
    await rig.session.nop();
    const e = await rejection(rig.session.nop());
    expect(e.code).toBe('FIREHOSE_NAK');
    expect(rig.session.deviceLog).toEqual(['after the ACK 1', 'after the ACK 2']);
  });

  it('reports a response that answers nothing instead of using it', async () => {
    const rig = makeRig();
    rig.dev.handlers.nop = (_, d) => d.send(responseDoc(true) + responseDoc(false)); // a stray second answer
    await rig.session.nop();
    rig.dev.handlers.nop = (_, d) => d.respond(true);
    await rig.session.nop(); // the stray NAK must not be taken as this answer
    expect(
      rig.events.some((e) => e.type === 'log' && e.level === 'warn' && e.message.includes('answers no command')),
    ).toBe(true);
  });
});

describe('bad answers', () => {
  it('NAK with AttemptRetry gives a FirehoseNakError carrying the device log', async () => {
    const rig = makeRig();
    await configured(rig);
    rig.dev.handlers.program = async (_, d) => {
      await d.log('ERROR: Failed to write, USB read timed out');
      await d.respond(false, { AttemptRetry: '1' });
    };
    const src = { size: 4096, read: () => Promise.resolve(new Uint8Array(4096)) };
    const e = await rejection(
      rig.session.program({ ...NAND, startSector: 640, numSectors: 640, filename: 'tz.mbn' }, src),
    );
    expect(e).toBeInstanceOf(FirehoseNakError);
    const nak = e as FirehoseNakError;
    expect(nak.attemptRetry).toBe(true);
    expect(nak.deviceLog).toEqual(['ERROR: Failed to write, USB read timed out']);
    expect(nak.message).toContain('USB read timed out');
    expect(nak.message).toContain('<program> of tz.mbn, sectors 640-641');
  });

  it('a plain NAK does not invite a retry', async () => {
    const rig = makeRig();
    rig.dev.handlers.erase = (_, d) => d.respond(false);
    const e = (await rejection(rig.session.erase({ ...NAND, startSector: 0, numSectors: 64 }))) as FirehoseNakError;
    expect(e.attemptRetry).toBe(false);
  });

  it('garbage gives FIREHOSE_PROTOCOL with a preview', async () => {
    const rig = makeRig();
    rig.dev.handlers.nop = (_, d) => d.send('\x01\x02<garbage \x03 reply></data>');
    const e = await rejection(rig.session.nop());
    expect(e.code).toBe('FIREHOSE_PROTOCOL');
    expect(e.message).toContain('<garbage . reply></data>');
  });

  it('binary garbage is reported at once, without waiting for the timeout', async () => {
    const rig = makeRig({ timeouts: { responseMs: 60_000 } });
    rig.dev.handlers.nop = (_, d) => d.send(new Uint8Array([0x13, 0, 0, 0, 0x30, 0, 0, 0, 0x41, 0x42]));
    const e = await rejection(rig.session.nop());
    expect(e.code).toBe('FIREHOSE_PROTOCOL');
    expect(e.message).toContain('bytes that are not a Firehose document');
    expect(e.message).toContain('AB');
  }, 5_000);

  it('an answer that starts like XML and then stops is a timeout that shows what came', async () => {
    const rig = makeRig({ timeouts: { responseMs: 100 } });
    rig.dev.handlers.nop = (_, d) => d.send('\n<?xml version="1.0" ?><data><respo');
    const e = await rejection(rig.session.nop());
    expect(e.code).toBe('DEVICE_TIMEOUT');
    expect(e.message).toContain('bytes of an unfinished answer: <?xml version="1.0" ?><data><respo');
  });

  it('text that is not XML, arriving after a start that was, is garbage when the wait ends', async () => {
    const rig = makeRig({ timeouts: { responseMs: 100 } });
    rig.dev.handlers.nop = async (_, d) => {
      await d.send('<');
      await d.send('!! firmware panic !!');
    };
    const e = await rejection(rig.session.nop());
    expect(e.code).toBe('FIREHOSE_PROTOCOL');
    expect(e.message).toContain('firmware panic');
  });

  it('an answer that is neither ACK nor NAK is a protocol error', async () => {
    const rig = makeRig();
    rig.dev.handlers.nop = (_, d) => d.send('<?xml version="1.0" ?><data><response value="MAYBE" /></data>');
    expect((await rejection(rig.session.nop())).code).toBe('FIREHOSE_PROTOCOL');
  });

  it('a document that never ends gives FIREHOSE_PROTOCOL, not unbounded buffering', async () => {
    const rig = makeRig();
    rig.dev.handlers.nop = (_, d) => d.send('<?xml version="1.0" ?><data><log value="' + 'A'.repeat(70 * 1024), 4096);
    const e = await rejection(rig.session.nop());
    expect(e.code).toBe('FIREHOSE_PROTOCOL');
    expect(e.message).toContain('without a closing </data>');
  });

  it('a silent programmer gives DEVICE_TIMEOUT naming what was awaited', async () => {
    const rig = makeRig({ timeouts: { eraseAckMs: 100 } });
    rig.dev.handlers.erase = () => undefined;
    const e = await rejection(rig.session.erase({ ...NAND, startSector: 0, numSectors: 640 }));
    expect(e.code).toBe('DEVICE_TIMEOUT');
    expect(e.message).toContain('No answer from the programmer to <erase> of sectors 0-639 within 100 ms');
  });

  it('a programmer that logs but never answers still times out', async () => {
    const rig = makeRig({ timeouts: { responseMs: 150 } });
    rig.dev.handlers.nop = async (_, d) => {
      for (let i = 0; i < 30; i++) {
        await d.log(`busy ${i}`);
        await new Promise((r) => setTimeout(r, 10));
      }
    };
    const e = await rejection(rig.session.nop());
    expect(e.code).toBe('DEVICE_TIMEOUT');
    expect(e.message).toMatch(/busy \d+/);
  });

  it('refuses a second command while one is running', async () => {
    const rig = makeRig();
    rig.dev.handlers.nop = async (_, d) => {
      await new Promise((r) => setTimeout(r, 30));
      await d.respond(true);
    };
    const first = rig.session.nop();
    expect((await rejection(rig.session.nop())).code).toBe('INTERNAL');
    await first;
  });

  it('refuses a command too long for the programmer to read', async () => {
    const rig = makeRig();
    await configured(rig);
    const e = await rejection(
      rig.session.read({ ...NAND, startSector: 0, numSectors: 64, label: 'x'.repeat(5000) }, () => undefined),
    );
    expect(e.code).toBe('PACKAGE_BAD_XML');
    expect(rig.dev.commands.map((c) => c.tag)).toEqual(['configure']);
  });
});

describe('other commands', () => {
  it('getsha256digest returns the logged digest when the programmer lists it', async () => {
    const rig = makeRig();
    const hex = '0123456789abcdef'.repeat(4);
    rig.dev.handlers.getsha256digest = async (_, d) => {
      await d.log(`Digest ${hex.toUpperCase()}`);
      await d.respond(true);
    };
    const addr = { ...NAND, startSector: 0, numSectors: 640 };
    expect(await rig.session.sha256Digest(addr)).toBeUndefined(); // no function list yet
    expect(rig.dev.commands).toHaveLength(0);
    await rig.dev.send(
      ['Supported Functions (1):', 'getsha256digest', 'End of supported functions 1'].map(logDoc).join(''),
    );
    await rig.session.drainStartup();
    expect(await rig.session.sha256Digest(addr)).toBe(hex);
    expect(rig.dev.commands[0]!.attrs).toMatchObject({ start_sector: '0', num_partition_sectors: '640' });
  });

  it('getsha256digest without a digest in the log is a protocol error', async () => {
    const rig = makeRig();
    await rig.dev.send(logDoc('Supported Functions: getsha256digest'));
    await rig.session.drainStartup();
    rig.dev.handlers.getsha256digest = (_, d) => d.respond(true);
    expect((await rejection(rig.session.sha256Digest({ ...NAND, startSector: 0, numSectors: 1 }))).code).toBe(
      'FIREHOSE_PROTOCOL',
    );
  });

  it('getstorageinfo returns validated fields and survives hostile JSON', async () => {
    const rig = makeRig();
    let line =
      'INFO: {"storage_info": {"total_blocks": 2048, "block_size": 64, "page_size": 2048, "num_physical": 1, "mem_type": "NAND"}}';
    rig.dev.handlers.getstorageinfo = async (_, d) => {
      await d.log(line);
      await d.respond(true);
    };
    expect(await rig.session.storageInfo()).toEqual({
      total_blocks: 2048,
      block_size: 64,
      page_size: 2048,
      num_physical: 1,
      mem_type: 'NAND',
    });
    line = `{"storage_info": {"total_blocks": "lots", "page_size": -1, "x": "${'z'.repeat(9000)}"}}`;
    expect(await rig.session.storageInfo()).toBeUndefined();
    line = '{"storage_info": {"total_blocks": 1e999}}';
    expect(await rig.session.storageInfo()).toBeUndefined();
  });

  it('info lines survive a flood of logs before the answer, and a NAK keeps its last lines', async () => {
    const rig = makeRig();
    rig.dev.handlers.getstorageinfo = async (_, d) => {
      await d.log('{"storage_info": {"total_blocks": 1024, "page_size": 4096}}');
      await d.send(Array.from({ length: 700 }, (_, i) => logDoc(`flood ${i}`)).join(''));
      await d.respond(true);
    };
    expect(await rig.session.storageInfo()).toEqual({ total_blocks: 1024, page_size: 4096 });
    rig.dev.handlers.erase = async (_, d) => {
      await d.send(Array.from({ length: 700 }, (_, i) => logDoc(`flood ${i}`)).join(''));
      await d.log('ERROR: erase failed at block 7');
      await d.respond(false);
    };
    const e = (await rejection(rig.session.erase({ ...NAND, startSector: 0, numSectors: 64 }))) as FirehoseNakError;
    expect(e.message).toContain('erase failed at block 7');
    expect(e.deviceLog.at(-1)).toBe('ERROR: erase failed at block 7');
    expect(rig.session.deviceLog.length).toBe(200);
  });

  it('patch is sent for the DISK', async () => {
    const rig = makeRig();
    await rig.session.patchDisk({
      sectorSize: 2048,
      byteOffset: 512,
      physicalPartition: 0,
      sizeInBytes: 4,
      startSector: '1',
      value: '1234',
      what: 'MIBIB size',
    });
    expect(rig.dev.commands[0]).toEqual({
      tag: 'patch',
      attrs: {
        SECTOR_SIZE_IN_BYTES: '2048',
        byte_offset: '512',
        filename: 'DISK',
        physical_partition_number: '0',
        size_in_bytes: '4',
        start_sector: '1',
        value: '1234',
        what: 'MIBIB size',
      },
    });
  });

  it('power reset succeeds even when the module drops off the bus before its ACK', async () => {
    const rig = makeRig();
    rig.dev.handlers.power = () => rig.pair.disconnect();
    await rig.session.power('reset', 1);
    expect(rig.dev.commands[0]!.attrs).toEqual({ value: 'reset', DelayInSeconds: '1' });
  });
});

describe('what the device says is not what we say', () => {
  it('the payload complaint of a configure renegotiation is kept, as debug, not as the device alarm', async () => {
    const rig = makeRig();
    rig.dev.handlers.configure = async (cmd, d) => {
      if (Number(cmd.attrs.MaxPayloadSizeToTargetInBytes) > 8192) {
        await d.log("ERROR: Host's payload to target size is too large (1048576 > 8192)");
        await d.respond(false, { MaxPayloadSizeToTargetInBytes: 8192 });
      } else await d.respond(true, { MaxPayloadSizeToTargetInBytes: 8192 });
    };
    await rig.session.configure({ memoryName: 'nand', maxPayloadToTarget: 1048576 });
    const logs = rig.events.flatMap((e) => (e.type === 'log' ? [`${e.level}: ${e.message}`] : []));
    expect(logs).toEqual(["debug: ERROR: Host's payload to target size is too large (1048576 > 8192)"]);
    // After configure, the same words from the device are the device's again.
    await rig.dev.log("ERROR: Host's payload to target size is too large");
    await rig.session.nop();
    expect(deviceLogEvents(rig.events)).toEqual(["ERROR: Host's payload to target size is too large"]);
  });

  it('a log document that is not well-formed XML is kept raw and skipped; the answer after it counts', async () => {
    const rig = makeRig();
    rig.dev.handlers.nop = async (_cmd, d) => {
      await d.send(
        '<?xml version="1.0" encoding="UTF-8" ?>\n<data>\n<log value="INFO: label "modem" written" /></data>',
      );
      await d.respond(true);
    };
    await rig.session.nop();
    expect(deviceLogEvents(rig.events)).toEqual(['INFO: label "modem" written']);
    expect(rig.session.deviceLog).toContain('INFO: label "modem" written');
  });

  it('an unreadable response still ends the command', async () => {
    const rig = makeRig();
    rig.dev.handlers.nop = async (_cmd, d) => {
      await d.send(
        '<?xml version="1.0" encoding="UTF-8" ?>\n<data>\n<response value="ACK" note="a "quoted" word" /></data>',
      );
    };
    const e = await rejection(rig.session.nop());
    expect((e as { code?: string }).code).toBe('FIREHOSE_PROTOCOL');
  });

  it('a listed getsha256digest the programmer refuses: undefined (read back instead), and not asked again', async () => {
    const rig = makeRig();
    await rig.dev.send(
      ['Supported Functions (3):', 'read', 'getsha256digest', 'End of supported functions 3'].map(logDoc).join(''),
    );
    await rig.session.drainStartup();
    rig.dev.handlers.getsha256digest = (_cmd, d) => d.respond(false);
    const addr = { sectorSize: 4096, physicalPartition: 0, startSector: 0, numSectors: 1, label: 'sbl' };
    expect(await rig.session.sha256Digest(addr)).toBeUndefined();
    expect(await rig.session.sha256Digest(addr)).toBeUndefined();
    expect(rig.dev.commands.filter((c) => c.tag === 'getsha256digest')).toHaveLength(1);
    expect(rig.events.some((e) => e.type === 'log' && /refused <getsha256digest>.*reading back/.test(e.message))).toBe(
      true,
    );
  });
});
