// The dashboard: a hash-routed page over the shop's public HTTP API (no server code imported).
import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import './styles.css';
import { useLive } from './live.js';
import { DeadLettersView } from './views/dead-letters.js';
import { MerchantsView } from './views/merchants.js';
import { OrderDetailView } from './views/order-detail.js';
import { OrdersView } from './views/orders.js';
import { PlaceOrderView } from './views/place-order.js';
import { ProjectionsView } from './views/projections.js';

const currentRoute = (): string => decodeURIComponent(location.hash.replace(/^#/, '')) || '/projections';

function useRoute(): string {
  const [route, setRoute] = useState(currentRoute());
  useEffect(() => {
    const changed = (): void => {
      setRoute(currentRoute());
      // focus the new view's heading, so keyboard and screen-reader users land on it
      requestAnimationFrame(() => document.querySelector<HTMLElement>('main h1')?.focus());
    };
    window.addEventListener('hashchange', changed);
    return () => window.removeEventListener('hashchange', changed);
  }, []);
  return route;
}

function View({ route }: { readonly route: string }) {
  const order = /^\/orders\/(.+)$/.exec(route);
  if (order?.[1] !== undefined) return <OrderDetailView orderId={order[1]} key={order[1]} />;
  const deadLetters = /^\/projections\/([^/]+)\/dead-letters$/.exec(route);
  if (deadLetters?.[1] !== undefined) return <DeadLettersView name={deadLetters[1]} />;
  if (route === '/orders') return <OrdersView />;
  if (route === '/place') return <PlaceOrderView />;
  if (route === '/merchants') return <MerchantsView />;
  return <ProjectionsView />;
}

const links = [
  ['/projections', 'Projections'],
  ['/orders', 'Orders'],
  ['/place', 'Place order'],
  ['/merchants', 'Merchants'],
] as const;

function App() {
  const route = useRoute();
  const live = useLive();
  const delayed = live.latest?.projections.filter((p) => p.delayed).map((p) => p.name) ?? [];
  return (
    <>
      <header>
        <a class="brand" href="#/projections">
          Twofold shop
        </a>
        <nav aria-label="Views">
          {links.map(([path, label]) => (
            <a key={path} href={`#${path}`} aria-current={route === path || route.startsWith(`${path}/`) ? 'page' : undefined}>
              {label}
            </a>
          ))}
        </nav>
        <span class={`pulse ${live.connected ? 'on' : 'off'}`} title={live.connected ? 'live metrics connected' : 'live metrics disconnected'}>
          {live.connected ? 'live' : 'offline'}
          {delayed.length > 0 ? ` · delayed: ${delayed.join(', ')}` : ''}
        </span>
      </header>
      <main>
        <View route={route} />
      </main>
    </>
  );
}

const root = document.getElementById('app');
if (root !== null) render(<App />, root);
