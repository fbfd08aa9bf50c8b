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

/** The two pads, numbered with their pins for the module form the person has, and the steps. */
function ManualSteps() {
  const [form, setForm] = useState<ModuleForm>('lga');
  const guide = PAD_GUIDES[form];
  return (
    <div className="manual-grid">
      <PadIllustration guide={guide} />
      <div>
        <fieldset className="form-choice" data-testid="pad-form">
          <legend>Your modem is</legend>
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
          <strong>Careful:</strong> {SHORT_WARNING}
        </p>
        <ol className="manual-steps">
          <li>
            {form === 'lga'
              ? 'Power off and take the module out.'
              : 'Power off the computer (or the board the card sits in) and take the card out.'}{' '}
            Find the two pads listed above.
          </li>
          <li>Join them with a thin wire or tweezers, and keep them joined while the module powers up.</li>
          <li>
            Put the {form === 'lga' ? 'module' : 'card'} back and power it up. In a laptop slot,{' '}
            <strong>suspend the computer and resume it</strong>: this power-cycles the slot.
          </li>
          <li>Remove the wire once the indicator at the top of this step turns green.</li>
          <li>
            If it turned green but the flash says the modem sends no greeting,{' '}
            <strong>suspend and resume once more</strong>: some modules only greet after a second power cycle.
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
      <h2 id="edl-auto-title">Automatic</h2>
      <p>If the modem still runs, Modem Rescue asks it over its diagnostic (DM) port to restart into download mode.</p>
      <button
        type="button"
        className="primary"
        data-testid="enter-edl-auto"
        disabled={!normal || busy || !!edl}
        onClick={() => normal && void enterEdl(normal.id)}
      >
        {pending === 'enterEdl' ? 'Switching…' : 'Switch to download mode'}
      </button>
      {!normal && !edl && (
        <p className="muted">No running modem is connected, so this cannot be used: follow the steps by hand.</p>
      )}
    </section>
  );
  const manualPanel = (
    <section className="panel manual" data-testid="edl-manual" aria-labelledby="edl-manual-title">
      <h2 id="edl-manual-title">By hand, when the modem does not answer</h2>
      <ManualSteps />
      {demo && (
        <div className="demo-actions" role="group" aria-label="Demo modem: act out the manual steps">
          <span className="badge badge-demo">demo</span>
          <button
            type="button"
            data-testid="demo-short-usb-boot"
            disabled={busy}
            onClick={() => void demoAction('short-usb-boot')}
          >
            Join USB_BOOT to VDD_EXT
          </button>
          <button
            type="button"
            data-testid="demo-suspend-resume"
            disabled={busy}
            onClick={() => void demoAction('suspend-resume')}
          >
            Suspend and resume
          </button>
        </div>
      )}
      {!silent && <PowerCycle deviceId={edl?.id ?? normal?.id} />}
    </section>
  );
  // 05c6:9008 enumerated but silent (the user's first suspend): the fix right here, not a step back.
  const silentPanel = silent && edl && (
    <section className="notice notice-warn" data-testid="edl-silent" aria-labelledby="edl-silent-title">
      <h3 id="edl-silent-title">In download mode, but not answering yet</h3>
      <p>
        The modem enumerated as {edl.vidPid} but its boot ROM has not greeted. This is what the user of this tool met:
        one more suspend and resume (or switching its USB port off and on) made it answer. Nothing has been written.
      </p>
      <PowerCycle deviceId={edl.id} />
    </section>
  );
  return (
    <StepFrame
      id="enter-edl"
      title="Enter download mode (EDL)"
      intro={<p>The modem is flashed in its emergency download mode, where it shows up as 05c6:9008.</p>}
      gate={canGoNext('enter-edl', ctx)}
    >
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
