import type { ErrorReport } from '../../shared/errors.js';

/** An error as the person should see it: code, a plain sentence, and what to do next. */
export function ErrorCard({ error, onDismiss }: { error: ErrorReport; onDismiss?: () => void }) {
  return (
    <div className="error-card" role="alert" data-testid="error-card">
      <p className="error-title">
        Something went wrong <code data-testid="error-code">{error.code}</code>
      </p>
      <p data-testid="error-message">{error.message}</p>
      <p className="error-next" data-testid="error-next-step">
        <strong>What to do: </strong>
        {error.nextStep}
      </p>
      {onDismiss && (
        <button type="button" className="link-button" onClick={onDismiss}>
          Dismiss
        </button>
      )}
    </div>
  );
}
