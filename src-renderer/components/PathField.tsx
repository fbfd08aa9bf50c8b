import { useEffect, useRef, useState, type DragEvent } from 'react';
import type { PickKind } from '../../shared/api.js';
import { filesFromDrop, filesFromInput } from '../api/files.js';
import { choosePath, pickerKind, uploadFiles } from '../store/actions.js';
import { isBusy, useRun } from '../store/run.js';
import { formatBytes } from '../format.js';
import { T } from '../text.js';

/**
 * A path the person types or picks. Desktop app: buttons open the native dialogs. Browser mode:
 * a .zip / folder / .qcn file input and drag and drop, the files sent to the local server whose
 * private copy is then used. Typing the path stays possible in both.
 */
export function PathField(props: {
  id: string;
  label: string;
  what: PickKind;
  value: string;
  testId: string;
  onChange: (value: string) => void;
  /** Shown under the field (what to give). */
  hint?: string;
}) {
  const kind = pickerKind();
  const busy = useRun((s) => isBusy(s));
  const upload = useRun((s) => s.upload);
  const [dragging, setDragging] = useState(false);
  const fileInput = useRef<HTMLInputElement>(null);
  const folderInput = useRef<HTMLInputElement>(null);
  useEffect(() => {
    // Not in React's attribute list: set by hand so the input picks a whole folder.
    folderInput.current?.setAttribute('webkitdirectory', '');
  }, [kind]);
  const canUpload = kind === 'upload' && props.what !== 'backup-folder';
  const onDrop = (e: DragEvent<HTMLDivElement>): void => {
    if (!canUpload) return;
    e.preventDefault();
    setDragging(false);
    void filesFromDrop(e.dataTransfer).then((files) => uploadFiles(props.what, files));
  };
  const sending = upload?.what === props.what ? upload : undefined;
  return (
    <div
      className={`field path-field${dragging ? ' dragging' : ''}`}
      data-testid={`${props.testId}-field`}
      onDragOver={(e) => {
        if (!canUpload) return;
        e.preventDefault();
        setDragging(true);
      }}
      onDragLeave={() => setDragging(false)}
      onDrop={onDrop}
    >
      <label htmlFor={props.id}>{props.label}</label>
      <div className="path-row">
        <input
          id={props.id}
          type="text"
          data-testid={props.testId}
          value={props.value}
          spellCheck={false}
          autoComplete="off"
          aria-describedby={`${props.id}-hint`}
          onChange={(e) => props.onChange(e.target.value)}
        />
        <div className="path-buttons">
          {kind === 'dialog' && props.what === 'package' && (
            <>
              <button
                type="button"
                data-testid={`${props.testId}-choose-folder`}
                disabled={busy}
                onClick={() => void choosePath('package', 'folder')}
              >
                {T.picker.chooseFolder}
              </button>
              <button
                type="button"
                data-testid={`${props.testId}-choose-zip`}
                disabled={busy}
                onClick={() => void choosePath('package', 'zip')}
              >
                {T.picker.chooseZip}
              </button>
            </>
          )}
          {kind === 'dialog' && props.what !== 'package' && (
            <button
              type="button"
              data-testid={`${props.testId}-choose`}
              disabled={busy}
              onClick={() => void choosePath(props.what)}
            >
              {props.what === 'backup-folder' ? T.picker.chooseFolder : T.picker.chooseFile}
            </button>
          )}
          {canUpload && (
            <>
              <button type="button" disabled={busy} onClick={() => fileInput.current?.click()}>
                {props.what === 'package' ? T.picker.chooseZip : T.picker.chooseFile}
              </button>
              <input
                ref={fileInput}
                className="visually-hidden"
                type="file"
                tabIndex={-1}
                aria-hidden="true"
                data-testid={`${props.testId}-file`}
                accept={props.what === 'package' ? '.zip,application/zip' : '.qcn,.xqcn'}
                onChange={(e) => {
                  const files = filesFromInput(e.target.files);
                  e.target.value = '';
                  void uploadFiles(props.what, files);
                }}
              />
              {props.what === 'package' && (
                <>
                  <button type="button" disabled={busy} onClick={() => folderInput.current?.click()}>
                    {T.picker.chooseFolder}
                  </button>
                  <input
                    ref={folderInput}
                    className="visually-hidden"
                    type="file"
                    multiple
                    tabIndex={-1}
                    aria-hidden="true"
                    data-testid={`${props.testId}-folder`}
                    onChange={(e) => {
                      const files = filesFromInput(e.target.files);
                      e.target.value = '';
                      void uploadFiles(props.what, files);
                    }}
                  />
                </>
              )}
            </>
          )}
        </div>
      </div>
      <p className="muted field-hint" id={`${props.id}-hint`}>
        {sending
          ? T.picker.sending(sending.files, formatBytes(sending.sent), formatBytes(sending.total))
          : [props.hint, canUpload ? T.picker.dropHint(props.what) : kind === 'upload' ? T.picker.typeFolderHint : '']
              .filter(Boolean)
              .join(' ')}
      </p>
    </div>
  );
}
