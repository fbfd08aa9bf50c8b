import { useState } from 'react';
import { useRun, isBusy } from '../store/run.js';
import { useDevices } from '../store/devices.js';
import { demoAction, enterEdl } from '../store/actions.js';
import { StepFrame } from '../components/StepFrame.js';
import { EdlIndicator } from '../components/EdlIndicator.js';
import { PadIllustration } from '../components/PadIllustration.js';
import { canGoNext, edlDevice, normalDevice } from './gates.js';
import { useGateContext } from './use-gate.js';
import { PowerCycle } from '../components/PowerCycle.js';
import { PAD_GUIDES, pinLabel, SHORT_WARNING, type ModuleForm } from '../pads.js';
import { T } from '../text.js';

const E = T.enterEdl;

/** The two pads, numbered with their pins for the module form the person has, and the steps. */
function ManualSteps() {
  const [form, setForm] = useState<ModuleForm>('lga');
  const guide = PAD_GUIDES[form];
  return (
    <div className="manual-grid">
      <PadIllustration guide={guide} />
      <div>
        <fieldset className="form-choice" data-testid="pad-form">
          <legend>{E.manual.formLegend}</legend>
          {(Object.keys(PAD_GUIDES) as ModuleForm[]).map((f) => (
            <label key={f} className="check">
              <input
                type="radio"
                name="pad-form"
                value={f}
                data-testid={`pad-form-${f}`}
                checked={form === f}
                onChange={() => setForm(f)}
              />
              {PAD_GUIDES[f].title}
            </label>
          ))}
        </fieldset>
        <ol className="pad-list" data-testid="pad-list">
          {guide.pads.map((p) => (
            <li key={p.name} data-testid={`pad-${p.name}`}>
              <strong>{p.name}</strong> ({pinLabel(p)}): {p.role}. <span className="muted">{p.where}.</span>
            </li>
          ))}
        </ol>
        {guide.notes.map((n) => (
          <p key={n} className="muted" data-testid="pad-note">
            {n}
          </p>
        ))}
        <p className="notice notice-warn" data-testid="pad-warning" role="note">
          <strong>{E.manual.careful}</strong> {SHORT_WARNING}
        </p>
        <ol className="manual-steps">
          <li>{E.manual.step1(form === 'lga')}</li>
          <li>{E.manual.step2}</li>
          <li>
            {E.manual.step3Lead(form === 'lga')}
            <strong>{E.manual.step3Bold}</strong>
            {E.manual.step3Tail}
          </li>
          <li>{E.manual.step4}</li>
          <li>
            {E.manual.step5Lead}
            <strong>{E.manual.step5Bold}</strong>
            {E.manual.step5Tail}
          </li>
        </ol>
      </div>
    </div>
  );
}

export function EnterEdl() {
  const state = useDevices((s) => s.state);
  const busy = useRun((s) => isBusy(s));
  const pending = useRun((s) => s.pending);
  const ctx = useGateContext();
  const normal = normalDevice(state);
  const edl = edlDevice(state);
  const demo = state?.demo ?? false;
  const silent = edl?.greeting?.state === 'silent';
  // A modem that does not answer at all: the manual path is the way, so it comes first. Decided
  // when the step opens, so the page does not rearrange itself while the person works.
  const [manualFirst] = useState(() => !normal && !edl);
  const autoPanel = (
    <section className="panel" aria-labelledby="edl-auto-title">
      <h2 id="edl-auto-title">{E.auto.title}</h2>
      <p>{E.auto.body}</p>
      <button
        type="button"
        className="primary"
        data-testid="enter-edl-auto"
        disabled={!normal || busy || !!edl}
        onClick={() => normal && void enterEdl(normal.id)}
      >
        {pending === 'enterEdl' ? E.auto.switching : E.auto.switch}
      </button>
      {!normal && !edl && <p className="muted">{E.auto.unusable}</p>}
    </section>
  );
  const manualPanel = (
    <section className="panel manual" data-testid="edl-manual" aria-labelledby="edl-manual-title">
      <h2 id="edl-manual-title">{E.manual.title}</h2>
      <ManualSteps />
      {demo && (
        <div className="demo-actions" role="group" aria-label={E.demo.group}>
          <span className="badge badge-demo">{T.app.demoBadge}</span>
          <button
            type="button"
            data-testid="demo-short-usb-boot"
            disabled={busy}
            onClick={() => void demoAction('short-usb-boot')}
          >
            {E.demo.join}
          </button>
          <button
            type="button"
            data-testid="demo-suspend-resume"
            disabled={busy}
            onClick={() => void demoAction('suspend-resume')}
          >
            {E.demo.suspend}
          </button>
        </div>
      )}
      {!silent && <PowerCycle deviceId={edl?.id ?? normal?.id} />}
    </section>
  );
  // 05c6:9008 enumerated but silent (the user's first suspend): the fix right here, not a step back.
  const silentPanel = silent && edl && (
    <section className="notice notice-warn" data-testid="edl-silent" aria-labelledby="edl-silent-title">
      <h3 id="edl-silent-title">{E.silent.title}</h3>
      <p>{E.silent.body(edl.vidPid)}</p>
      <PowerCycle deviceId={edl.id} />
    </section>
  );
  return (
    <StepFrame id="enter-edl" title={E.title} intro={<p>{E.intro}</p>} gate={canGoNext('enter-edl', ctx)}>
      <EdlIndicator device={edl} />
      {silentPanel}
      {manualFirst ? (
        <>
          {manualPanel}
          {autoPanel}
        </>
      ) : (
        <>
          {autoPanel}
          {manualPanel}
        </>
      )}
    </StepFrame>
  );
}
