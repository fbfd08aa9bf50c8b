// Choosing the firmware package: its path (typed, picked or dropped: PathField), "Check package",
// and with the demo modem "make/use the demo package". The Choose package step and the bench view
// each show one, with their own words and test ids.

import { useRun } from '../store/run.js';
import { useDevices } from '../store/devices.js';
import { inspectPackage, makeDemoPackage } from '../store/actions.js';
import { PathField } from './PathField.js';

export interface PackageFormWords {
  field: string;
  check: string;
  checking: string;
  demo: string;
  making: string;
}

export interface PackageFormProps {
  /** The path field's id. */
  id: string;
  words: PackageFormWords;
  testIds: { path: string; check: string; demo: string };
  busy: boolean;
  /** Whether "Check package" is the step's main button. */
  primary?: boolean;
}

export function PackageForm({ id, words, testIds, busy, primary = false }: PackageFormProps) {
  const path = useRun((s) => s.packagePath);
  const pending = useRun((s) => s.pending);
  const patch = useRun((s) => s.patch);
  const demo = useDevices((s) => s.state?.demo ?? false);
  return (
    <form
      className="field-row"
      onSubmit={(e) => {
        e.preventDefault();
        void inspectPackage();
      }}
    >
      <div className="grow">
        <PathField
          id={id}
          label={words.field}
          what="package"
          testId={testIds.path}
          value={path}
          onChange={(v) => patch({ packagePath: v, packageView: undefined, overrideTyped: '' })}
        />
      </div>
      <div className="button-row">
        <button
          type="submit"
          {...(primary ? { className: 'primary' } : {})}
          data-testid={testIds.check}
          disabled={busy}
        >
          {pending === 'inspectPackage' ? words.checking : words.check}
        </button>
        {demo && (
          <button type="button" data-testid={testIds.demo} disabled={busy} onClick={() => void makeDemoPackage()}>
            {pending === 'makeDemoPackage' ? words.making : words.demo}
          </button>
        )}
      </div>
    </form>
  );
}
