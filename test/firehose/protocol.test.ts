import { describe, expect, it } from 'vitest';
import { parseDocument } from '../../src-main/protocol/firehose-xml.js';
import {
  addressProblem,
  ConfigureNegotiation,
  configureCommand,
  keepAnswerLog,
  startsLikeXml,
  describeSectors,
  eraseCommand,
  parseConfigureResponse,
  parseDigest,
  parseNakPayloadHint,
  parseStorageInfo,
  parseSupportedFunctions,
  patchCommand,
  powerCommand,
  programCommand,
  readCommand,
  sha256DigestCommand,
  storageInfoCommand,
  nopCommand,
} from '../../src-main/protocol/firehose.js';

function command(xml: string): { tag: string; attrs: Record<string, string> } {
  const [m] = parseDocument(xml);
  if (m?.kind !== 'command') throw new Error(`not a command: ${xml}`);
  return { tag: m.tag, attrs: m.attrs };
}

const sbl = {
  sectorSize: 2048,
  pagesPerBlock: 64,
  physicalPartition: 0,
  startSector: 0,
  numSectors: 640,
  filename: 'sbl1.mbn',
  label: 'sbl',
};

describe('command builders', () => {
  it('configure carries the fixed fields and the host choices', () => {
    const c = command(configureCommand({ memoryName: 'nand', maxPayloadToTarget: 1048576, zlpAwareHost: true }));
    expect(c.tag).toBe('configure');
    expect(c.attrs).toEqual({
      MemoryName: 'nand',
      Verbose: '0',
      AlwaysValidate: '0',
      MaxDigestTableSizeInBytes: '2048',
      MaxPayloadSizeToTargetInBytes: '1048576',
      ZlpAwareHost: '1',
      SkipStorageInit: '0',
    });
    const dry = command(
      configureCommand({
        memoryName: 'nand',
        maxPayloadToTarget: 8192,
        zlpAwareHost: false,
        skipWrite: true,
        skipStorageInit: true,
      }),
    );
    expect(dry.attrs).toMatchObject({ ZlpAwareHost: '0', SkipWrite: '1', SkipStorageInit: '1' });
  });

  it('program, erase, read and digest carry the address attributes', () => {
    const p = command(programCommand(sbl));
    expect(p).toEqual({
      tag: 'program',
      attrs: {
        SECTOR_SIZE_IN_BYTES: '2048',
        PAGES_PER_BLOCK: '64',
        num_partition_sectors: '640',
        physical_partition_number: '0',
        start_sector: '0',
        filename: 'sbl1.mbn',
        label: 'sbl',
      },
    });
    expect(command(programCommand(sbl, 639)).attrs.last_sector).toBe('639');
    const e = command(eraseCommand({ ...sbl, startSector: 13952, numSectors: 576 }));
    expect(e.tag).toBe('erase');
    expect(e.attrs).toMatchObject({
      start_sector: '13952',
      num_partition_sectors: '576',
      SECTOR_SIZE_IN_BYTES: '2048',
      PAGES_PER_BLOCK: '64',
    });
    expect(e.attrs.filename).toBeUndefined();
    expect(command(readCommand(sbl)).tag).toBe('read');
    expect(command(sha256DigestCommand(sbl)).tag).toBe('getsha256digest');
  });

  it('escapes hostile names instead of breaking the document', () => {
    const c = command(programCommand({ ...sbl, filename: 'a"/><power value="off', label: '<x>&' }));
    expect(c.attrs.filename).toBe('a"/><power value="off');
    expect(c.attrs.label).toBe('<x>&');
  });

  it('patch, getstorageinfo, nop and power', () => {
    const p = command(
      patchCommand({
        sectorSize: 2048,
        byteOffset: 512,
        filename: 'DISK',
        physicalPartition: 0,
        sizeInBytes: 4,
        startSector: 'NUM_DISK_SECTORS-5.',
        value: '0',
        what: 'w',
      }),
    );
    expect(p.attrs).toEqual({
      SECTOR_SIZE_IN_BYTES: '2048',
      byte_offset: '512',
      filename: 'DISK',
      physical_partition_number: '0',
      size_in_bytes: '4',
      start_sector: 'NUM_DISK_SECTORS-5.',
      value: '0',
      what: 'w',
    });
    expect(command(storageInfoCommand()).attrs).toEqual({ physical_partition_number: '0' });
    expect(command(nopCommand())).toEqual({ tag: 'nop', attrs: {} });
    expect(command(powerCommand('reset', 2)).attrs).toEqual({ value: 'reset', DelayInSeconds: '2' });
    expect(command(powerCommand('edl')).attrs).toEqual({ value: 'edl' });
  });

  it('describes sector ranges for messages', () => {
    expect(describeSectors(0, 640)).toBe('sectors 0-639');
    expect(describeSectors('NUM_DISK_SECTORS-5.', 5)).toBe('5 sectors from NUM_DISK_SECTORS-5.');
  });
});

describe('supported functions', () => {
  it('reads the classic list', () => {
    const lines = [
      'Binary build date: Jun 25 2019 @ 03:40:43',
      'Supported Functions (4):',
      'program',
      'read',
      'nop',
      'getsha256digest',
      'End of supported functions 4',
      'later log line',
    ];
    expect(parseSupportedFunctions(lines)).toEqual(['program', 'read', 'nop', 'getsha256digest']);
  });

  it('tolerates level prefixes, mixed case, a missing end line and names on the header line', () => {
    expect(
      parseSupportedFunctions([
        'INFO: Supported Functions (2):',
        'INFO: Program',
        'INFO: GetStorageInfo',
        'INFO: Calling handler for configure',
      ]),
    ).toEqual(['program', 'getstorageinfo']);
    expect(parseSupportedFunctions(['Supported Functions: program, erase nop'])).toEqual(['program', 'erase', 'nop']);
    expect(parseSupportedFunctions(['no list here', 'program'])).toEqual([]);
  });

  it('ignores names that are not identifiers and bounds the list', () => {
    const many = ['Supported Functions (999):', ...Array.from({ length: 500 }, (_, i) => `f${i}`)];
    expect(parseSupportedFunctions(many)).toHaveLength(128);
    expect(parseSupportedFunctions(['Supported Functions:', 'x'.repeat(65)])).toEqual([]);
  });
});

describe('configure answers', () => {
  const req = { memoryName: 'nand', maxPayloadToTarget: 1048576 };

  it('reads a real MDM9x07 ACK', () => {
    const r = parseConfigureResponse(
      {
        value: 'ACK',
        MemoryName: 'NAND',
        MinVersionSupported: '1',
        Version: '1',
        MaxPayloadSizeToTargetInBytes: '8192',
        MaxPayloadSizeToTargetInBytesSupported: '8192',
        MaxPayloadSizeFromTargetInBytes: '4096',
        MaxXMLSizeInBytes: '4096',
        DateTime: 'Jun 25 2019 - 03:40:43',
        TargetName: '9x07',
      },
      req,
    );
    expect(r).toEqual({
      ok: true,
      config: {
        memoryName: 'NAND',
        maxPayloadToTarget: 8192,
        maxPayloadToTargetSupported: 8192,
        maxPayloadFromTarget: 4096,
        maxXmlSize: 4096,
        version: '1',
        targetName: '9x07',
      },
    });
  });

  it('never sends more than asked and distrusts absurd values', () => {
    const r = parseConfigureResponse(
      {
        MaxPayloadSizeToTargetInBytes: '99999999999',
        MaxPayloadSizeToTargetInBytesSupported: '1',
        MaxXMLSizeInBytes: '3',
      },
      { memoryName: 'nand', maxPayloadToTarget: 65536 },
    );
    expect(r.ok && r.config.maxPayloadToTarget).toBe(65536);
    expect(r.ok && r.config.maxPayloadToTargetSupported).toBe(65536);
    expect(r.ok && r.config.maxXmlSize).toBe(4096);
    expect(parseConfigureResponse({ MaxPayloadSizeToTargetInBytes: '0' }, req).ok).toBe(false);
    expect(parseConfigureResponse({ MaxPayloadSizeToTargetInBytes: '-5' }, req)).toMatchObject({
      ok: true,
      config: { maxPayloadToTarget: 1048576 },
    });
  });
});

describe('NAK payload hints', () => {
  it('prefers the attribute, then a number in a too-large log', () => {
    expect(parseNakPayloadHint({ value: 'NAK', MaxPayloadSizeToTargetInBytes: '8192' }, [])).toBe(8192);
    expect(
      parseNakPayloadHint({ value: 'NAK' }, [
        "ERROR: Host's payload to target size is too large (1048576), max is 16384",
      ]),
    ).toBe(16384);
    expect(
      parseNakPayloadHint({ value: 'NAK' }, [
        'MaxPayloadSizeToTargetInBytes too large, use MaxPayloadSizeToTargetInBytes=4096',
      ]),
    ).toBe(4096);
    expect(
      parseNakPayloadHint({ value: 'NAK' }, ["ERROR: Host's payload to target size is too large (1048576 > 8192)"]),
    ).toBe(8192);
  });

  it('gives nothing without a usable hint', () => {
    expect(parseNakPayloadHint({ value: 'NAK' }, ["Host's payload to target size is too large"])).toBeUndefined();
    expect(
      parseNakPayloadHint({ value: 'NAK', MaxPayloadSizeToTargetInBytes: 'lots' }, ['unrelated 4096']),
    ).toBeUndefined();
  });
});

describe('digest logs', () => {
  const hex = 'ab'.repeat(32);
  it('finds the digest with or without a level prefix', () => {
    expect(parseDigest(['something', `Digest ${hex}`])).toBe(hex);
    expect(parseDigest([`INFO: Digest ${hex.toUpperCase()}`])).toBe(hex);
  });
  it('rejects short or over-long hex', () => {
    expect(parseDigest([`Digest ${hex.slice(2)}`])).toBeUndefined();
    expect(parseDigest([`Digest ${hex}ff`])).toBeUndefined();
  });
});

describe('storage info logs', () => {
  it('reads the JSON line', () => {
    const line =
      'INFO: {"storage_info": {"total_blocks":2048, "block_size":262144, "page_size":4096, "pages_per_block":64, "num_physical":1, "mem_type":"NAND", "prod_name":"MT29F4G", "bad_blocks":3, "unknown":"dropped"}}';
    expect(parseStorageInfo(['other', line])).toEqual({
      total_blocks: 2048,
      block_size: 262144,
      page_size: 4096,
      pages_per_block: 64,
      num_physical: 1,
      mem_type: 'NAND',
      prod_name: 'MT29F4G',
      bad_blocks: 3,
    });
  });

  it('reads the key=value lines of older programmers (strongtz/edl-ng issue 25, bkerler/edl issue 108)', () => {
    // As logged by a programmer that prints its storage as lines, not JSON.
    expect(
      parseStorageInfo(['SECTOR_SIZE_IN_BYTES=512', 'num_physical_partitions=3', 'MFR_ID=144', 'Product name=HCG8a4']),
    ).toEqual({ sector_size: 512, num_physical: 3 });
    expect(
      parseStorageInfo([
        'INFO: num_partition_sectors=61071360',
        'total_blocks=2048',
        'block_size=131072',
        'page_size=2048',
      ]),
    ).toEqual({
      num_partition_sectors: 61071360,
      total_blocks: 2048,
      block_size: 131072,
      page_size: 2048,
    });
    // JSON wins where both are there; an ACK with nothing (bkerler/edl issue 546) gives nothing.
    expect(parseStorageInfo(['page_size=4096', '{"storage_info": {"page_size": 2048}}'])).toEqual({ page_size: 2048 });
    expect(parseStorageInfo([])).toBeUndefined();
    expect(parseStorageInfo(["WARNING: Ignoring unrecognized tag 'getstorageinfo'. Continuing."])).toBeUndefined();
    expect(parseStorageInfo(['page_size=99999999999999999999', 'x=1'])).toBeUndefined();
  });

  it('survives hostile JSON', () => {
    const huge = `{"storage_info": {"total_blocks": 1, "pad": "${'x'.repeat(20000)}"}}`;
    const deep = `{"storage_info": ${'['.repeat(5000)}${']'.repeat(5000)}}`;
    expect(parseStorageInfo([huge])).toBeUndefined();
    expect(parseStorageInfo([deep])).toBeUndefined();
    expect(parseStorageInfo(['{"storage_info": {"total_blocks": '])).toBeUndefined();
    expect(
      parseStorageInfo(['{"storage_info": null}', '{"storage_info": [1,2]}', '{"storage_info": "x"}']),
    ).toBeUndefined();
    const typed = parseStorageInfo([
      '{"storage_info": {"total_blocks": -1, "block_size": 1.5, "page_size": "4096", "num_physical": 1e300, "mem_type": {"a":1}, "__proto__": {"polluted": true}}}',
    ]);
    expect(typed).toBeUndefined();
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    const mixed = parseStorageInfo(['{"storage_info": {"total_blocks": 1024, "mem_type": "' + 'y'.repeat(100) + '"}}']);
    expect(mixed).toEqual({ total_blocks: 1024 });
  });

  it('reads JSON split over several log lines', () => {
    expect(parseStorageInfo(['{"storage_info": {"total_blocks": 1024,', '"page_size": 2048}}'])).toEqual({
      total_blocks: 1024,
      page_size: 2048,
    });
  });
});

describe('configure negotiation', () => {
  const ack = (attrs: Record<string, string>) => ({ ack: true, attrs, logs: [] });
  const nak = (attrs: Record<string, string>, logs: string[] = []) => ({ ack: false, attrs, logs });

  it('follows a NAK hint down, then stops at the ACK', () => {
    const n = new ConfigureNegotiation('nand', 1048576);
    expect(n.first()).toEqual({ kind: 'send', size: 1048576 });
    expect(n.answer(nak({ MaxPayloadSizeToTargetInBytes: '8192' }))).toEqual({ kind: 'send', size: 8192 });
    const done = n.answer(
      ack({ MaxPayloadSizeToTargetInBytes: '8192', MaxPayloadSizeToTargetInBytesSupported: '8192' }),
    );
    expect(done).toMatchObject({ kind: 'done', config: { maxPayloadToTarget: 8192 } });
  });

  it('upsizes once, within what the host asked for, and goes back if refused', () => {
    const n = new ConfigureNegotiation('nand', 262144);
    n.first();
    expect(
      n.answer(ack({ MaxPayloadSizeToTargetInBytes: '8192', MaxPayloadSizeToTargetInBytesSupported: '1048576' })),
    ).toEqual({ kind: 'send', size: 262144 });
    expect(n.answer(nak({}))).toEqual({ kind: 'send', size: 8192 });
    expect(
      n.answer(ack({ MaxPayloadSizeToTargetInBytes: '8192', MaxPayloadSizeToTargetInBytesSupported: '1048576' })),
    ).toMatchObject({ kind: 'done', config: { maxPayloadToTarget: 8192 } });
  });

  it('does not upsize when no attempt would be left to go back', () => {
    const n = new ConfigureNegotiation('nand', 1048576);
    n.first();
    n.answer(nak({ MaxPayloadSizeToTargetInBytes: '65536' }));
    expect(
      n.answer(ack({ MaxPayloadSizeToTargetInBytes: '16384', MaxPayloadSizeToTargetInBytesSupported: '65536' })),
    ).toMatchObject({ kind: 'done', config: { maxPayloadToTarget: 16384 } });
  });

  it('fails on a NAK without a smaller hint, and after three tries', () => {
    const a = new ConfigureNegotiation('nand', 8192);
    a.first();
    expect(a.answer(nak({}, ['ERROR: no memory']))).toMatchObject({ kind: 'fail', logs: ['ERROR: no memory'] });
    const b = new ConfigureNegotiation('nand', 1 << 20);
    b.first();
    expect(b.answer(nak({ MaxPayloadSizeToTargetInBytes: String(1 << 19) }))).toEqual({ kind: 'send', size: 1 << 19 });
    expect(b.answer(nak({ MaxPayloadSizeToTargetInBytes: String(1 << 18) }))).toEqual({ kind: 'send', size: 1 << 18 });
    const last = b.answer(nak({ MaxPayloadSizeToTargetInBytes: String(1 << 17) }));
    expect(last.kind).toBe('fail');
    expect(last.kind === 'fail' && last.reason).toContain('No agreement after 3 tries');
  });
});

describe('small helpers', () => {
  it('validates addresses', () => {
    const ok = { sectorSize: 2048, physicalPartition: 0, startSector: 0, numSectors: 64 };
    expect(addressProblem(ok)).toBeUndefined();
    expect(addressProblem({ ...ok, sectorSize: 0 })).toContain('sector size');
    expect(addressProblem({ ...ok, numSectors: 2 ** 52 })).toContain('overflows');
    expect(addressProblem({ ...ok, startSector: -1 })).toContain('start sector');
    expect(addressProblem({ ...ok, startSector: 'x'.repeat(65) })).toContain('start sector');
    expect(addressProblem({ ...ok, physicalPartition: 1.5 })).toContain('physical partition');
  });

  it('keeps the first and last lines of a flooded answer', () => {
    const logs: string[] = [];
    for (let i = 0; i < 100; i++) keepAnswerLog(logs, `l${i}`, 3, 10);
    expect(logs).toEqual(['l0', 'l1', 'l2', 'l97', 'l98', 'l99']);
    keepAnswerLog(logs, 'y'.repeat(50), 3, 10);
    expect(logs.at(-1)).toBe('y'.repeat(10));
  });

  it('tells a document start from binary junk', () => {
    const enc = new TextEncoder();
    expect(startsLikeXml(enc.encode('<?xml'))).toBe(true);
    expect(startsLikeXml(enc.encode('\0\r\n  <data>'))).toBe(true);
    expect(startsLikeXml(new Uint8Array([0xef, 0xbb, 0xbf, 0x3c]))).toBe(true);
    expect(startsLikeXml(new Uint8Array([0x01, 0x00, 0x3c]))).toBe(false);
    expect(startsLikeXml(enc.encode('ACK'))).toBe(false);
  });
});
