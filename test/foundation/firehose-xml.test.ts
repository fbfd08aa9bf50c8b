import { describe, expect, it } from 'vitest';
import { buildDocument, DocumentSplitter, parseDocument } from '../../src-main/protocol/firehose-xml.js';

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);

describe('Firehose document framing', () => {
  const two =
    '<?xml version="1.0" encoding="UTF-8" ?><data><log value="hello" /></data><?xml version="1.0" ?><data><response value="ACK" rawmode="true" /></data>';

  it('splits documents at every possible read boundary', () => {
    const bytes = enc(two);
    for (let cut = 0; cut <= bytes.length; cut++) {
      const s = new DocumentSplitter();
      const docs = [...s.push(bytes.subarray(0, cut)), ...s.push(bytes.subarray(cut))];
      expect(docs).toHaveLength(2);
      expect(parseDocument(docs[1]!)).toEqual([
        { kind: 'response', ack: true, rawmode: true, attrs: { value: 'ACK', rawmode: 'true' } },
      ]);
    }
  });

  it('hands back raw bytes that follow a document', () => {
    const s = new DocumentSplitter();
    s.feed(new Uint8Array([...enc('<data><response value="ACK" rawmode="true"/></data>'), ...enc('</data>')]));
    expect(s.next()).toBeDefined();
    expect(new TextDecoder().decode(s.takeRest())).toBe('</data>');
  });

  it('refuses an endless document instead of buffering forever', () => {
    const s = new DocumentSplitter();
    expect(() => {
      for (let i = 0; i < 100; i++) s.push(new Uint8Array(1024).fill(0x41));
    }).toThrow(/without a closing/);
  });

  it('builds commands that parse back', () => {
    const doc = buildDocument('program', { SECTOR_SIZE_IN_BYTES: 2048, filename: 'a"b', x: undefined });
    expect(parseDocument(doc)).toEqual([
      { kind: 'command', tag: 'program', attrs: { SECTOR_SIZE_IN_BYTES: '2048', filename: 'a"b' } },
    ]);
  });

  it('turns garbage into a framing error', () => {
    expect(() => parseDocument('\u0001\u0002</data>')).toThrow(/unreadable/);
    expect(() => parseDocument('<foo></foo>')).toThrow(/expected <data>/);
  });
});
