import { describe, expect, it } from 'vitest';
import { parseXml, XmlError } from '../../src-main/util/xml.js';

describe('safe XML reader', () => {
  it('reads elements, attributes, comments and the declaration', () => {
    const root = parseXml(
      '<?xml version="1.0" ?>\n<data>\n  <!-- c -->\n  <program a="1" b=\'x &amp; y\'/>\n  <erase c="2"></erase>\n</data>',
    );
    expect(root.name).toBe('data');
    expect(root.children.map((c) => c.name)).toEqual(['program', 'erase']);
    expect(root.children[0]!.attrs).toEqual({ a: '1', b: 'x & y' });
    expect(root.children[1]!.line).toBe(5);
  });

  it('refuses DOCTYPE so entities can never expand (billion laughs, external entities)', () => {
    const laughs =
      '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;">]><data a="&lol2;"/>';
    expect(() => parseXml(laughs)).toThrow(/DOCTYPE/);
    const xxe = '<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]><data>&x;</data>';
    expect(() => parseXml(xxe)).toThrow(XmlError);
  });

  it('refuses undeclared entities instead of expanding them', () => {
    expect(() => parseXml('<data a="&x;"/>')).toThrow(/entity/);
  });

  it('bounds size, depth and element count', () => {
    expect(() => parseXml(`<a>${'x'.repeat(100)}</a>`, { maxBytes: 50 })).toThrow(/more than/);
    expect(() => parseXml('<a>'.repeat(40) + '</a>'.repeat(40))).toThrow(/deeper/);
    expect(() => parseXml(`<a>${'<b/>'.repeat(30)}</a>`, { maxElements: 10 })).toThrow(/more than 10 elements/);
  });

  it('reports malformed documents with a line number', () => {
    expect(() => parseXml('<data>\n<program a="1">\n</data>')).toThrow(/line 3: <\/data> closes <program>/);
    expect(() => parseXml('<data a=1/>')).toThrow(/not quoted/);
    expect(() => parseXml('<data/><more/>')).toThrow(/after the root/);
    expect(() => parseXml('<data a="1" a="2"/>')).toThrow(/repeated/);
    expect(() => parseXml('')).toThrow(/root element/);
  });
});
