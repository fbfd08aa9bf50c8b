import { describe, expect, it } from 'vitest';
import { parseYamlSubset } from './yaml-subset.js';

describe('the YAML subset reader the packaging test relies on', () => {
  it('reads nested maps, block and flow lists, list items that are maps, quotes and comments', () => {
    const doc = parseYamlSubset(
      [
        '# comment',
        'a: 1',
        'b: "x # not a comment"',
        'c:',
        '  d: [AppImage, deb]',
        '  e: null',
        'f:',
        '  - one',
        '  - from: x/y',
        '    to: z',
        'g:',
        '- at-key-indent',
        'h: true # trailing',
      ].join('\n'),
    );
    expect(doc).toEqual({
      a: 1,
      b: 'x # not a comment',
      c: { d: ['AppImage', 'deb'], e: null },
      f: ['one', { from: 'x/y', to: 'z' }],
      g: ['at-key-indent'],
      h: true,
    });
  });

  it('refuses what it does not understand instead of misreading it', () => {
    expect(() => parseYamlSubset('a: 1\na: 2')).toThrow(/duplicate key a/);
    expect(() => parseYamlSubset('a: &anchor 1')).toThrow(/unsupported/);
    expect(() => parseYamlSubset('a:\n  b: 1\n    c: 2')).toThrow(/indentation|could not read/);
  });
});
