// Entry point: picks the API (Electron bridge or the local server's WebSocket), wires its events
// into the stores, and renders the wizard.

import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App.js';
import { createApi } from './api/index.js';
import { toReport } from './api/call-error.js';
import { ErrorCard } from './components/ErrorCard.js';
import { attachApi, refreshDevices } from './store/actions.js';
import { useRun } from './store/run.js';
import { T } from './text.js';
import './styles.css';

const rootEl = document.getElementById('root');
if (!rootEl) throw new Error('index.html has no #root');
const root = createRoot(rootEl);

try {
  const { api, picker } = createApi((connected) => {
    useRun.getState().patch({ connected });
    // Deferred: in Electron this fires before attachApi below has run.
    if (connected) setTimeout(() => void refreshDevices(), 0);
  });
  attachApi(api, picker);
  root.render(
    <StrictMode>
      <App />
    </StrictMode>,
  );
} catch (e) {
  root.render(
    <main className="content">
      <h1>{T.app.brand}</h1>
      <ErrorCard error={toReport(e)} />
    </main>,
  );
}
