// The host's Firehose codec (src-main/protocol/firehose-xml.ts, firehose.ts) against documents from
// public sessions (test/fixtures/real/firehose-documents): it reads what real programmers sent and
// what it sends means what real hosts sent. The device side has its own test
// (test/sim/device-xml.test.ts); neither side is checked against the other.

import { describe, expect, it } from 'vitest';
import { DocumentSplitter, parseDocument, type FirehoseMessage } from '../../src-main/protocol/firehose-xml.js';
import {
  configureCommand,
  eraseCommand,
  parseConfigureResponse,
  parseSupportedFunctions,
  powerCommand,
  programCommand,
  storageInfoCommand,
} from '../../src-main/protocol/firehose.js';
import { goldenDocuments, hostDocument, wrapDeviceElement } from '../helpers/real-goldens.js';

const golden = goldenDocuments();
const deviceMessages = (): FirehoseMessage[] =>
  golden.deviceElements.flatMap((e) => parseDocument(wrapDeviceElement(e.text)));
const logs = (ms: FirehoseMessage[]): string[] => ms.flatMap((m) => (m.kind === 'log' ? [m.value] : []));

/** The one element of a host document, as tag and attributes (parsed by the host's own reader). */
function element(doc: string): { tag: string; attrs: Record<string, string> } {
  const [m] = parseDocument(doc);
  if (m?.kind !== 'command') throw new Error(`not a command: ${doc}`);
  return { tag: m.tag, attrs: m.attrs };
}

describe('host codec reads what real programmers sent', () => {
  it('a document with the declaration and <data> on lines of their own (edl issue 269)', () => {
    expect(parseDocument(golden.device[0]!.text)).toEqual([{ kind: 'log', value: 'INFO: getstorageinfo' }]);
  });

  it('the Quectel SDX55 startup burst: 15 functions, INFO: prefixes, the build date twice', () => {
    const lines = logs(deviceMessages());
    expect(lines[0]).toBe('INFO: Binary build date: Apr 19 2020 @ 17:49:11');
    expect(parseSupportedFunctions(lines)).toEqual([
      'program',
      'read',
      'nop',
      'patch',
      'configure',
      'setbootablestoragedrive',
      'erase',
      'power',
      'firmwarewrite',
      'getstorageinfo',
      'benchmark',
      'emmc',
      'ufs',
      'fixgpt',
      'getsha256digest',
    ]);
  });

  it('the configure ACK without rawmode, MaxPayloadSizeFromTargetInBytes or TargetName', () => {
    const ack = deviceMessages().find((m) => m.kind === 'response' && m.attrs.MemoryName !== undefined);
    expect(ack).toMatchObject({ kind: 'response', ack: true, rawmode: undefined });
    if (ack?.kind !== 'response') throw new Error('no configure answer');
    const parsed = parseConfigureResponse(ack.attrs, { memoryName: 'nand', maxPayloadToTarget: 8192 });
    expect(parsed).toMatchObject({
      ok: true,
      config: {
        memoryName: 'nand',
        maxPayloadToTarget: 8192,
        maxPayloadToTargetSupported: 8192,
        maxXmlSize: 4096,
        version: '1',
      },
    });
  });

  it('answers with rawmode true and false, every log in one piece', () => {
    const responses = deviceMessages().filter((m) => m.kind === 'response');
    expect(responses.map((r) => (r.kind === 'response' ? r.rawmode : null))).toEqual([undefined, false, true]);
    expect(logs(deviceMessages())).toContain(
      'INFO: Will issue reset/power off 100 useconds, if this hangs check if watchdog is enabled',
    );
  });

  it('splits several real documents arriving in one read, and one arriving a byte at a time', () => {
    const all = golden.deviceElements.map((e) => wrapDeviceElement(e.text)).join('');
    const whole = new DocumentSplitter().push(new TextEncoder().encode(all));
    expect(whole).toHaveLength(golden.deviceElements.length);
    const s = new DocumentSplitter();
    const bytes = new TextEncoder().encode(golden.device[0]!.text);
    const docs = Array.from(bytes).flatMap((b) => s.push(Uint8Array.of(b)));
    expect(docs).toEqual([golden.device[0]!.text]);
  });
});

describe('host codec writes what real hosts sent (same element, same attributes)', () => {
  it('configure as QFirehose sends it', () => {
    const ours = element(configureCommand({ memoryName: 'nand', maxPayloadToTarget: 8192, zlpAwareHost: true }));
    expect(ours).toEqual(element(hostDocument('qfirehose-configure')));
  });

  it('erase and program of SBL as QFirehose copies them from rawprogram', () => {
    const a = { sectorSize: 4096, pagesPerBlock: 64, physicalPartition: 0, startSector: 0 };
    expect(element(eraseCommand({ ...a, numSectors: 640 }))).toEqual(element(hostDocument('qfirehose-erase')));
    expect(element(programCommand({ ...a, numSectors: 139, filename: '..\\sbl1.mbn' }))).toEqual(
      element(hostDocument('qfirehose-program-sbl')),
    );
  });

  it('power reset, and getstorageinfo as edl sends it', () => {
    expect(element(powerCommand('reset'))).toEqual(element(hostDocument('qfirehose-power')));
    expect(element(storageInfoCommand(0))).toEqual(element(hostDocument('edl-getstorageinfo')));
  });
});
