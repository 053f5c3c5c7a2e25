/** Boot: pick the transport, build the store, feed it events, render. */
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { connect } from './api';
import { App } from './App';
import { AppProvider } from './state/context';
import { createAppStore } from './state/store';
import { startWebNotifications } from './web-notifications';
import './styles.css';

const connection = connect();
const store = createAppStore(connection.api);
const { applyEvent, refresh, reloadChats, setStream } = store.getState();

// Events first, then the snapshot: nothing that happens in between is lost.
connection.api.subscribe(applyEvent);
connection.onStreamState((state) => {
  setStream(state);
  // After every (re)connect, whatever happened while we were away is read afresh.
  if (state === 'open') {
    void refresh();
    void reloadChats();
  }
});
if (connection.mode === 'desktop') setStream('open');
// The desktop app notifies from its main process; a browser does it here, once allowed.
else startWebNotifications(connection.api, store);
void refresh();

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <AppProvider value={{ api: connection.api, store, mode: connection.mode }}>
      <App />
    </AppProvider>
  </StrictMode>,
);
