// Every word the wizard shows comes from src-renderer/text.ts (`T`), so a translation is one
// object of the same shape. This keeps it so: the components are scanned for words written in
// the JSX itself, and every text function of T must produce a sentence.

import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { T } from '../../src-renderer/text.js';

const RENDERER = join(import.meta.dirname, '../../src-renderer');

/** Attributes (and our components' props) whose value reaches the screen or a screen reader. */
const VISIBLE_ATTRIBUTES = new Set([
  'aria-label',
  'aria-description',
  'aria-valuetext',
  'title',
  'placeholder',
  'alt',
  'label',
  'intro',
  'hint',
]);

/**
 * Literal words allowed to stay in a component, as `file: text`. Keep it short: a word that a
 * person reads belongs in T.
 */
const ALLOWED: readonly string[] = [];

const HAS_LETTER = /\p{L}/u;

interface Found {
  at: string;
  text: string;
}

/** A literal used as a key, a comparison operand or a call argument: not shown as such. */
function inert(node: ts.Node): boolean {
  const p = node.parent;
  if (ts.isBinaryExpression(p)) {
    const op = p.operatorToken.kind;
    return (
      op === ts.SyntaxKind.EqualsEqualsEqualsToken ||
      op === ts.SyntaxKind.ExclamationEqualsEqualsToken ||
      op === ts.SyntaxKind.EqualsEqualsToken ||
      op === ts.SyntaxKind.ExclamationEqualsToken ||
      op === ts.SyntaxKind.InKeyword
    );
  }
  if (ts.isCallExpression(p)) return p.arguments.some((a) => a === node);
  if (ts.isElementAccessExpression(p)) return p.argumentExpression === node;
  if (ts.isPropertyAssignment(p)) return p.name === node;
  return ts.isCaseClause(p) || ts.isLiteralTypeNode(p);
}

function literalText(node: ts.Node): string | undefined {
  if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) return node.text;
  if (ts.isTemplateExpression(node))
    return [node.head.text, ...node.templateSpans.map((s) => s.literal.text)].join(' ');
  return undefined;
}

/**
 * Words written into the JSX of one .tsx source: text between tags, string values of visible
 * attributes, and string literals inside `{...}` that is rendered (a child or a visible
 * attribute). Literals in other attributes (className, data-testid, handlers) are not shown.
 */
function literalWords(source: string, name = 'snippet.tsx'): Found[] {
  const sf = ts.createSourceFile(name, source, ts.ScriptTarget.Latest, true, ts.ScriptKind.TSX);
  const found: Found[] = [];
  const report = (node: ts.Node, text: string): void => {
    const clean = text.replace(/\s+/g, ' ').trim();
    if (!HAS_LETTER.test(clean)) return;
    const line = sf.getLineAndCharacterOfPosition(node.getStart(sf)).line + 1;
    found.push({ at: `${name}:${line}`, text: clean });
  };
  const visit = (node: ts.Node, shown: boolean): void => {
    if (ts.isJsxText(node)) return report(node, node.text);
    if (ts.isJsxAttribute(node)) {
      const visible = VISIBLE_ATTRIBUTES.has(node.name.getText(sf));
      const init = node.initializer;
      if (init && ts.isStringLiteral(init)) return visible ? report(init, init.text) : undefined;
      if (init) ts.forEachChild(init, (c) => visit(c, visible));
      return;
    }
    if (ts.isJsxExpression(node) && (ts.isJsxElement(node.parent) || ts.isJsxFragment(node.parent))) {
      ts.forEachChild(node, (c) => visit(c, true));
      return;
    }
    const text = shown && !inert(node) ? literalText(node) : undefined;
    if (text !== undefined) report(node, text);
    ts.forEachChild(node, (c) => visit(c, shown));
  };
  visit(sf, false);
  return found;
}

function componentFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return componentFiles(path);
    return e.name.endsWith('.tsx') ? [path] : [];
  });
}

describe('the words on screen', () => {
  it('the scan finds a sentence written into a component, and passes over what is not shown', () => {
    const words = literalWords(`
      export function Demo({ on }: { on: boolean }) {
        return (
          <div className="notice primary" data-testid="demo-box" onClick={() => void act('replug')}>
            <p>The modem is ready.</p>
            <button type="button" aria-label="Close the box" title={on ? T.a : 'Not now'}>{T.b}</button>
            {on ? 'Flashing…' : T.c}
            <span className={on ? 'tone-ok' : \`tone-\${x}\`}>{mode === 'edl' ? T.d : MODES['normal']}</span>
            <ProgressBar label={\`Progress of \${part}\`} />
            <span>{'—'} {n}%</span>
          </div>
        );
      }`);
    expect(words.map((w) => w.text)).toEqual([
      'The modem is ready.',
      'Close the box',
      'Not now',
      'Flashing…',
      'Progress of',
    ]);
  });

  it('every component takes its words from T (src-renderer/text.ts)', () => {
    const files = componentFiles(RENDERER);
    expect(files.length).toBeGreaterThan(15);
    const found = files.flatMap((f) => literalWords(readFileSync(f, 'utf8'), relative(RENDERER, f)));
    const stray = found
      .filter((w) => !ALLOWED.includes(`${w.at.replace(/:\d+$/, '')}: ${w.text}`))
      .map((w) => `${w.at}: ${w.text}`);
    expect(stray, 'words written into a component: move them into T in src-renderer/text.ts').toEqual([]);
  });
});

/** Sample arguments for every text function of T, by its path. */
const SAMPLES: Record<string, unknown[]> = {
  'package.steps': [12, '3.1 MiB'],
  'package.partitions': [12],
  'package.override': ['EC25'],
  'finish.restoreN': [3],
  'finish.verification': ['every partition matched', true],
  'finish.restoreFromBackup': ['/home/me/EC25.qcn'],
  'finish.nothingDiffers': [40],
  'finish.wouldWrite': [['nv 550', 'nv 4678']],
  'finish.partlyRestored': [2, 2, 'nv 1', undefined],
  'finish.restored': [3, 3, '/home/me/before.qcn'],
  'finish.cannotWrite': ['nv 1'],
  'finish.leftAlone': ['nv 550'],
  'finish.undo': [undefined, '6/12/2026, 05:14'],
  'log.header': ['2026-12-06T05:14:25Z'],
  'picker.sending': [2, '1.0 MiB', '3.1 MiB'],
  'picker.dropHint': ['qcn'],
  'flash.confirm.snapshot': ['40 s', '64 MiB'],
  'flash.timesSoFar': [2],
  'flash.allDone': [9],
  'flash.doing.program': ['NON-HLOS.ubi'],
  'flash.doing.erase': ['NON-HLOS.ubi'],
  'flash.doing.patch': ['sbl1.mbn'],
  'flash.doing.reset': ['reset'],
  'flash.ofTotal': ['1.0 MiB', '3.1 MiB'],
  'flash.partProgress': ['NON-HLOS.ubi'],
  'flash.flashed': ['3.1 MiB', 42, false, 'every partition matched'],
  'summary.andMore': ['a, b', 3],
  'summary.moduleText': ['Quectel EC25', '05c6:9008', 'USB 1-2'],
  'summary.usb': ['1-2'],
  'summary.erased': [2, 'sbl1.mbn, NON-HLOS.ubi'],
  'summary.written': [2, '3.1 MiB', 'NON-HLOS.ubi, sbl1.mbn'],
  'summary.qcnVerified': ['/home/me/EC25.qcn'],
  'summary.state.allWritten': [5],
  'summary.state.partly': [2, 5],
  'enterEdl.manual.step1': [false],
  'enterEdl.manual.step3Lead': [true],
  'enterEdl.silent.body': ['05c6:9008'],
  'edlIndicator.answering': ['Qualcomm HS-USB QDLoader 9008', '05c6:9008'],
  'edlIndicator.onBus': ['05c6:9008', 'Qualcomm HS-USB QDLoader 9008', true],
  'padDrawing.title': ['pin 115', 'pin 7'],
  'padDrawing.desc': ['pin 7', 'pin 115', true],
  'padDrawing.vddSub': ['pin 7'],
  'powerCycle.confirmLabel': ['Switch the USB port off and on'],
  'gates.otherModule': ['EC25'],
  'pads.pin': [115],
  'errors.unexpected': ['disk full'],
  'errors.notSent': ['update/NON-HLOS.ubi'],
  'errors.notTaken': ['update/NON-HLOS.ubi', 413],
  'errors.noAnswer': ['flash', 30],
  'errors.closing': ['flash'],
  'errors.connectTimeout': [10],
  'errors.undescribed': ['flash'],
  'bench.open': [8],
  'bench.connectHint': [8],
  'bench.sidebar': [8],
  'bench.serial': ['1234567'],
  'bench.packageChosen': ['/home/me/EC25.zip', 'EC25EFAR06A01M4G'],
  'bench.confirm.title': [8],
  'bench.confirm.go': [8],
  'bench.progressLabel': ['Quectel EC25 (demo #3)'],
  'bench.powerCycled': [2],
  'bench.rowDone': ['8.0 MiB', 5, 'every partition matched'],
  'bench.summary': [7, 8, 6],
  'format.bytes': [512],
  'format.amount': ['3.1', 'MiB'],
  'format.perSecond': ['3.1 MiB'],
  'format.seconds': [40],
  'format.minutes': [2],
  'format.secondsLeft': [40],
  'format.minutesLeft': [2, 5],
  'format.hoursLeft': [1, 5],
};

/** Every leaf of T with its path: strings, and functions. */
function leaves(value: unknown, path: string[] = []): { path: string; value: unknown }[] {
  if (value !== null && typeof value === 'object')
    return Object.entries(value).flatMap(([k, v]) => leaves(v, [...path, k]));
  return [{ path: path.join('.'), value }];
}

describe('the text module', () => {
  const all = leaves(T);

  it('every text is a sentence, not an empty string', () => {
    const texts = all.filter((l) => typeof l.value !== 'function');
    expect(texts.length).toBeGreaterThan(200);
    const empty = texts.filter((l) => typeof l.value !== 'string' || l.value.trim() === '');
    expect(empty.map((l) => l.path)).toEqual([]);
  });

  it('every text function returns a non-empty string for sample arguments', () => {
    const functions = all.filter((l) => typeof l.value === 'function');
    // A new function in T needs its sample here; a sample for a function that is gone is stale.
    expect(functions.map((f) => f.path).sort()).toEqual(Object.keys(SAMPLES).sort());
    for (const f of functions) {
      const text: unknown = (f.value as (...args: unknown[]) => unknown)(...(SAMPLES[f.path] ?? []));
      expect(typeof text, f.path).toBe('string');
      expect((text as string).trim(), f.path).not.toBe('');
      expect(text as string, f.path).not.toMatch(/undefined|null|NaN|\[object/);
    }
  });
});
