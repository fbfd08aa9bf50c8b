import type { StepId } from '../shared/api.js';
import { useRun } from './store/run.js';
import { StepList } from './components/StepList.js';
import { DeviceStrip } from './components/DeviceStrip.js';
import { useDevices } from './store/devices.js';
import { Connect } from './steps/Connect.js';
import { Prepare } from './steps/Prepare.js';
import { Backup } from './steps/Backup.js';
import { EnterEdl } from './steps/EnterEdl.js';
import { Package } from './steps/Package.js';
import { Flash } from './steps/Flash.js';
import { Finish } from './steps/Finish.js';
import { Bench } from './steps/Bench.js';
import { Help } from './components/Help.js';
import { T } from './text.js';

const STEPS: Record<StepId, () => React.JSX.Element> = {
  connect: Connect,
  prepare: Prepare,
  backup: Backup,
  'enter-edl': EnterEdl,
  package: Package,
  flash: Flash,
  finish: Finish,
};

export function App() {
  const step = useRun((s) => s.step);
  const connected = useRun((s) => s.connected);
  const devices = useDevices((s) => s.state);
  const help = useRun((s) => s.help);
  const benchOpen = useRun((s) => s.benchOpen);
  const Step = STEPS[step];
  return (
    <div className="app">
      <aside className="sidebar">
        <p className="brand">{T.app.brand}</p>
        <StepList current={step} />
        {step !== 'connect' && !benchOpen && <DeviceStrip state={devices} />}
      </aside>
      <main className="content">
        {connected === false && (
          <p className="notice notice-warn banner" role="alert">
            {T.app.disconnected}
          </p>
        )}
        {/* The step stays mounted under the help page, so nothing typed is lost. */}
        {help && <Help at={help} />}
        <div className={help !== undefined ? 'step-host-hidden' : 'step-host'}>
          {benchOpen ? <Bench /> : <Step key={step} />}
        </div>
      </main>
    </div>
  );
}
