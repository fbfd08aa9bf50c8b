// A drawing made for this app: the underside of an EC25 module (LCC edge pads, inner LGA pads),
// with USB_BOOT and VDD_EXT highlighted, numbered with their pins (pads.ts) and a wire joining
// them. A guide, not a datasheet: the positions are drawn, not to scale.

import type { PadGuide } from '../pads.js';
import { pinLabel } from '../pads.js';
import { T } from '../text.js';

const D = T.padDrawing;

const EDGE_PADS = 18;
const MODULE = { x: 96, y: 20, w: 232, h: 256 };
const GRID = { x: 166, y: 100 };

function edgePads(): { x: number; y: number; w: number; h: number; key: string }[] {
  const pads: { x: number; y: number; w: number; h: number; key: string }[] = [];
  const stepY = MODULE.h / (EDGE_PADS + 1);
  const stepX = MODULE.w / (EDGE_PADS + 1);
  for (let i = 1; i <= EDGE_PADS; i++) {
    pads.push({ key: `l${i}`, x: MODULE.x + 2, y: MODULE.y + i * stepY - 3, w: 12, h: 6 });
    pads.push({ key: `r${i}`, x: MODULE.x + MODULE.w - 14, y: MODULE.y + i * stepY - 3, w: 12, h: 6 });
    pads.push({ key: `t${i}`, x: MODULE.x + i * stepX - 3, y: MODULE.y + 2, w: 6, h: 12 });
    pads.push({ key: `b${i}`, x: MODULE.x + i * stepX - 3, y: MODULE.y + MODULE.h - 14, w: 6, h: 12 });
  }
  return pads;
}

function gridPads(): { x: number; y: number; key: string }[] {
  const pads: { x: number; y: number; key: string }[] = [];
  for (let r = 0; r < 6; r++)
    for (let c = 0; c < 6; c++) pads.push({ key: `g${r}-${c}`, x: GRID.x + c * 18, y: GRID.y + r * 18 });
  return pads;
}

/** VDD_EXT: edge pad 7 on the left side; USB_BOOT: an inner pad (drawn, not to scale). */
const VDD_EXT = { x: MODULE.x + 2, y: MODULE.y + 7 * (MODULE.h / (EDGE_PADS + 1)) - 3 };
const USB_BOOT = { x: GRID.x + 5 * 18, y: GRID.y + 4 * 18 };

export function PadIllustration({ guide }: { guide: PadGuide }) {
  const [vdd, boot] = guide.pads;
  const onCard = guide.form === 'mini-pcie';
  return (
    <svg
      className="pad-illustration"
      data-testid="pad-illustration"
      viewBox="0 0 440 300"
      role="img"
      aria-labelledby="pad-title pad-desc"
      xmlns="http://www.w3.org/2000/svg"
    >
      <title id="pad-title">{D.title(pinLabel(boot), pinLabel(vdd))}</title>
      <desc id="pad-desc">{D.desc(pinLabel(vdd), pinLabel(boot), onCard)}</desc>
      <rect className="pad-module" x={MODULE.x} y={MODULE.y} width={MODULE.w} height={MODULE.h} rx={6} />
      <text className="pad-module-label" x={MODULE.x + MODULE.w / 2} y={MODULE.y + 44} textAnchor="middle">
        {onCard ? D.moduleOnCard : D.moduleBare}
      </text>
      <circle className="pad-pin1" cx={MODULE.x + 22} cy={MODULE.y + 22} r={4} />
      {edgePads().map((p) => (
        <rect key={p.key} className="pad" x={p.x} y={p.y} width={p.w} height={p.h} rx={1} />
      ))}
      {gridPads().map((p) => (
        <rect key={p.key} className="pad" x={p.x} y={p.y} width={9} height={9} rx={1.5} />
      ))}
      <rect className="pad pad-key" x={VDD_EXT.x} y={VDD_EXT.y} width={12} height={6} rx={1} />
      <rect className="pad pad-key" x={USB_BOOT.x} y={USB_BOOT.y} width={9} height={9} rx={1.5} />
      <path
        className="pad-wire"
        d={`M ${VDD_EXT.x + 6} ${VDD_EXT.y + 3} C ${VDD_EXT.x + 90} ${VDD_EXT.y - 40}, ${USB_BOOT.x - 60} ${USB_BOOT.y + 90}, ${USB_BOOT.x + 4.5} ${USB_BOOT.y + 4.5}`}
      />
      <circle className="pad-solder" cx={VDD_EXT.x + 6} cy={VDD_EXT.y + 3} r={3.5} />
      <circle className="pad-solder" cx={USB_BOOT.x + 4.5} cy={USB_BOOT.y + 4.5} r={3.5} />
      <line className="pad-callout" x1={VDD_EXT.x} y1={VDD_EXT.y + 3} x2={10} y2={VDD_EXT.y + 3} />
      <text className="pad-label" x={4} y={VDD_EXT.y - 6}>
        {D.vdd}
      </text>
      <text className="pad-sub" x={4} y={VDD_EXT.y + 18}>
        {D.vddSub(pinLabel(vdd))}
      </text>
      <line className="pad-callout" x1={USB_BOOT.x + 9} y1={USB_BOOT.y + 4.5} x2={352} y2={USB_BOOT.y + 4.5} />
      <text className="pad-label" x={356} y={USB_BOOT.y + 2}>
        {D.boot}
      </text>
      <text className="pad-sub" x={356} y={USB_BOOT.y + 18}>
        {pinLabel(boot)}
      </text>
      <text className="pad-sub" x={356} y={USB_BOOT.y + 34}>
        {onCard ? D.bootViaTestPoint : D.bootToVdd}
      </text>
    </svg>
  );
}
