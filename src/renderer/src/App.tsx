/** The shell: top bar, banners, notices, and the page of the current hash route. */
import { SystemBanner, Notices } from './components/Banners';
import { ErrorBoundary } from './components/ErrorBoundary';
import { AccountsPage } from './pages/AccountsPage';
import { ChatPage } from './pages/ChatPage';
import { ConnectPage } from './pages/ConnectPage';
import { DashboardPage } from './pages/DashboardPage';
import { GatewayPage } from './pages/GatewayPage';
import { hrefOf, useRoute, type Route } from './router';
import { useApp } from './state/context';

export function App() {
  const route = useRoute();
  const simulation = useApp((s) => s.system?.simulation ?? false);
  const routeKey = JSON.stringify(route);
  return (
    <div className="app">
      <header className="topbar">
        <a className="brand" href={hrefOf({ page: 'accounts' })}>
          slicedeck
        </a>
        <nav aria-label="Main">
          <a href={hrefOf({ page: 'accounts' })} aria-current={route.page === 'accounts' || route.page === 'connect' || route.page === 'chat' ? 'page' : undefined}>
            Accounts
          </a>
          <a href={hrefOf({ page: 'dashboard' })} aria-current={route.page === 'dashboard' ? 'page' : undefined}>
            Dashboard
          </a>
          <a href={hrefOf({ page: 'gateway' })} aria-current={route.page === 'gateway' ? 'page' : undefined}>
            API &amp; webhooks
          </a>
        </nav>
        {simulation && (
          <span className="sim-pill" title="Slices run the simulated WhatsApp driver (SLICEDECK_DRIVER=simulated)">
            Simulation
          </span>
        )}
      </header>
      <SystemBanner />
      <Notices />
      <main>
        <ErrorBoundary resetKey={routeKey}>
          <Page route={route} />
        </ErrorBoundary>
      </main>
    </div>
  );
}

function Page({ route }: { route: Route }) {
  switch (route.page) {
    case 'connect':
      return <ConnectPage key={route.accountId} accountId={route.accountId} />;
    case 'chat':
      return <ChatPage key={route.accountId} accountId={route.accountId} chatId={route.chatId} />;
    case 'dashboard':
      return <DashboardPage />;
    case 'gateway':
      return <GatewayPage />;
    default:
      return <AccountsPage />;
  }
}
