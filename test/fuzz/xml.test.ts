// The XML reader under fuzz (rawprogram/patch XML in packages, Firehose documents, XQCN): token
// soup built from everything XML allows and refuses, and mutated real-looking documents. Only
// XmlError, every limit (size, depth, elements, attributes) holds, entities are never expanded
// beyond one character each, and the time stays linear.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { XmlError, parseXml, type XmlElement } from '../../src-main/util/xml.js';
import { PROPERTY_TIMEOUT_MS, bounded, onlyThrows, params } from './fuzz-kit.js';

const TOKENS = [
  '<',
  '>',
  '/>',
  '</',
  '<?xml version="1.0"?>',
  '<?pi',
  '?>',
  '<!--',
  '-->',
  '<![CDATA[',
  ']]>',
  '<!DOCTYPE d [<!ENTITY e "x">]>',
  '<!ENTITY',
  'SYSTEM "file:///etc/passwd"',
  '&e;',
  '&amp;',
  '&lt;',
  '&#65;',
  '&#x1F600;',
  '&#0;',
  '&#x110000;',
  '&#99999999;',
  '&',
  ';',
  '"',
  "'",
  '=',
  ' ',
  '\n',
  '\t',
  '\r',
  'data',
  'program',
  'patch',
  'a',
  'b:c',
  '_x',
  '1bad',
  'value',
  'filename',
  'SECTOR_SIZE_IN_BYTES',
  '"2048"',
  "'x'",
  '""',
  '<data>',
  '</data>',
  '<program filename="a.mbn" start_sector="0"/>',
  '<a b="1" b="2"/>',
  '<a b=1/>',
  '<a b="<"/>',
  '\uFEFF',
  '\u0000',
  'é',
  '\uD800',
];
const soup = fc
  .array(
    fc.oneof(
      { weight: 4, arbitrary: fc.constantFrom(...TOKENS) },
      { weight: 1, arbitrary: fc.string({ maxLength: 8 }) },
    ),
    { maxLength: 60 },
  )
  .map((t) => t.join(''));
const element: fc.Arbitrary<string> = fc.letrec<{ el: string }>((tie) => ({
  el: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc
      .tuple(
        fc.constantFrom('program', 'patch', 'a', 'log'),
        fc.dictionary(
          fc.constantFrom('filename', 'start_sector', 'value', 'x'),
          fc.string({ maxLength: 6 }).map((v) => v.replace(/[<&"]/g, '')),
          { maxKeys: 3 },
        ),
      )
      .map(
        ([n, a]) =>
          `<${n}${Object.entries(a)
            .map(([k, v]) => ` ${k}="${v}"`)
            .join('')} />`,
      ),
    fc
      .tuple(
        fc.constantFrom('data', 'x', 'y'),
        fc.array(tie('el'), { maxLength: 4 }),
        fc.constantFrom('', 't', '<!-- c -->', '<![CDATA[<>]]>'),
      )
      .map(([n, kids, t]) => `<${n}>${t}${kids.join('')}</${n}>`),
  ),
})).el;
const mangled = fc
  .tuple(element, fc.array(fc.tuple(fc.nat(), fc.constantFrom(...TOKENS)), { maxLength: 3 }))
  .map(([doc, edits]) => {
    let s = doc;
    for (const [at, t] of edits) {
      const i = at % (s.length + 1);
      s = s.slice(0, i) + t + s.slice(i);
    }
    return s;
  });

function depth(e: XmlElement): number {
  return 1 + Math.max(0, ...e.children.map(depth));
}
function count(e: XmlElement): number {
  return 1 + e.children.reduce((n, c) => n + count(c), 0);
}
function maxAttrs(e: XmlElement): number {
  return Math.max(Object.keys(e.attrs).length, ...e.children.map(maxAttrs));
}

describe('fuzz: XML reader', () => {
  it(
    'any text: a tree within every limit, or XmlError',
    () => {
      const limits = fc.record({
        maxBytes: fc.integer({ min: 16, max: 4096 }),
        maxDepth: fc.integer({ min: 1, max: 8 }),
        maxElements: fc.integer({ min: 1, max: 64 }),
        maxAttributes: fc.integer({ min: 0, max: 4 }),
      });
      fc.assert(
        fc.property(fc.oneof(soup, element, mangled), limits, (doc, lim) => {
          const r = bounded(() => onlyThrows(() => parseXml(doc, lim), [XmlError]), 1000, 'parseXml');
          if (r instanceof Error) {
            expect(r.message).toMatch(/^line \d+: /);
            return;
          }
          expect(doc.length).toBeLessThanOrEqual(lim.maxBytes);
          expect(depth(r)).toBeLessThanOrEqual(lim.maxDepth);
          expect(count(r)).toBeLessThanOrEqual(lim.maxElements);
          expect(maxAttrs(r)).toBeLessThanOrEqual(lim.maxAttributes);
          // No DOCTYPE, so no entity can grow the text: decoded text is never longer than the input.
          expect(r.text.length).toBeLessThanOrEqual(doc.length);
        }),
        params(0x3a101, 1000),
      );
    },
    PROPERTY_TIMEOUT_MS,
  );

  it(
    'refuses every DOCTYPE and entity declaration, wherever it is put',
    () => {
      const decl = fc.constantFrom(
        '<!DOCTYPE data [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;">]>',
        '<!DOCTYPE data SYSTEM "http://example.invalid/x.dtd">',
        '<!ENTITY x SYSTEM "file:///etc/passwd">',
        '<!DOCTYPE data>',
      );
      fc.assert(
        fc.property(element, decl, fc.nat(), (doc, d, at) => {
          // Before the root or between elements: never a tree that used it.
          const cuts = [0, ...[...doc.matchAll(/></g)].map((m) => m.index + 1)];
          const i = cuts[at % cuts.length]!;
          const r = onlyThrows(() => parseXml(doc.slice(0, i) + d + doc.slice(i)), [XmlError]);
          expect(r).toBeInstanceOf(XmlError);
        }),
        params(0x3a102, 300),
      );
    },
    PROPERTY_TIMEOUT_MS,
  );
});
