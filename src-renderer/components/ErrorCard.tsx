import type { ErrorReport } from '../../shared/errors.js';
import { T } from '../text.js';

/** An error as the person should see it: code, a plain sentence, and what to do next. */
export function ErrorCard({ error, onDismiss }: { error: ErrorReport; onDismiss?: () => void }) {
  return (
    <div className="error-card" role="alert" data-testid="error-card">
      <p className="error-title">
        {T.error.title} <code data-testid="error-code">{error.code}</code>
      </p>
      <p data-testid="error-message">{error.message}</p>
      <p className="error-next" data-testid="error-next-step">
        <strong>{T.error.whatToDo}</strong>
        {error.nextStep}
      </p>
      {onDismiss && (
        <button type="button" className="link-button" onClick={onDismiss}>
          {T.error.dismiss}
        </button>
      )}
    </div>
  );
}
