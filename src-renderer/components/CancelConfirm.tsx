// "Cancel?" asked before a running flash is cancelled: what the modem is left with, then "Cancel
// the flash" or "Keep flashing". The Flash step and the bench view ask it with their own words.

import { cancel } from '../store/actions.js';

export interface CancelConfirmWords {
  title: string;
  body: string;
  go: string;
  keep: string;
}

/** `prefix` names its test ids and heading id: PREFIX-cancel-confirm, -go, -keep, -title. */
export function CancelConfirm({
  prefix,
  words,
  onClose,
}: {
  prefix: string;
  words: CancelConfirmWords;
  onClose: () => void;
}) {
  return (
    <section
      className="notice notice-warn confirm"
      data-testid={`${prefix}-cancel-confirm`}
      role="alertdialog"
      aria-labelledby={`${prefix}-cancel-title`}
    >
      <h3 id={`${prefix}-cancel-title`}>{words.title}</h3>
      <p>{words.body}</p>
      <div className="button-row">
        <button
          type="button"
          className="danger"
          data-testid={`${prefix}-cancel-go`}
          autoFocus
          onClick={() => {
            onClose();
            void cancel();
          }}
        >
          {words.go}
        </button>
        <button type="button" data-testid={`${prefix}-cancel-keep`} onClick={onClose}>
          {words.keep}
        </button>
      </div>
    </section>
  );
}
