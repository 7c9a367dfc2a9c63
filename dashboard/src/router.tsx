import type { ComponentType } from 'react';
import { createBrowserRouter, Navigate, Outlet, type RouteObject } from 'react-router';
import { fleetKey, fleetWindow, getAgentStatus, getFleetCoverage, listRegistrations } from './api/agents';
import { getMe } from './api/auth';
import type { QueryClient } from './api/query';
import { getStatsOverview } from './api/stats';
import { preloadEvents } from './pages/events/events-preload';
import { RouteError } from './pages/shell/RouteError';

// Every page is its own chunk; the entry holds only React, the router, the API client and the
// UI primitives. The shell (sidebar + auth guard) is lazy too, so /login and /setup never load it.
const page = (load: () => Promise<{ default: ComponentType }>) => async () => ({ Component: (await load()).default });

export const routes: RouteObject[] = [
  {
    id: 'root',
    Component: Outlet,
    ErrorBoundary: RouteError,
    HydrateFallback: () => null,
    children: [
      { path: 'setup', lazy: page(() => import('./pages/setup/SetupPage')) },
      { path: 'login', lazy: page(() => import('./pages/login/LoginPage')) },
      {
        path: '/',
        lazy: async () => ({ Component: (await import('./pages/shell/AppShell')).AppShell }),
        children: [
          { index: true, lazy: page(() => import('./pages/home/HomePage')) },
          { path: 'events', lazy: page(() => import('./pages/events/EventsPage')) },
          { path: 'approvals', lazy: page(() => import('./pages/approvals/ApprovalsPage')) },
          { path: 'contracts', lazy: page(() => import('./pages/contracts/ContractsPage')) },
          { path: 'library', lazy: page(() => import('./pages/library/LibraryPage')) },
          { path: 'library/:contractId', lazy: page(() => import('./pages/library/ContractPage')) },
          { path: 'compositions', lazy: page(() => import('./pages/compositions/CompositionsPage')) },
          { path: 'compositions/:name', lazy: page(() => import('./pages/compositions/ComposerPage')) },
          { path: 'evaluate', lazy: page(() => import('./pages/evaluate/EvaluatePage')) },
          { path: 'agents', lazy: page(() => import('./pages/agents/AgentsPage')) },
          { path: 'agents/:agentId', lazy: page(() => import('./pages/agents/AgentPage')) },
          { path: 'rollouts', lazy: page(() => import('./pages/rollouts/RolloutsPage')) },
          { path: 'rollouts/:id', lazy: page(() => import('./pages/rollouts/RolloutPage')) },
          { path: 'keys', lazy: page(() => import('./pages/keys/KeysPage')) },
          { path: 'break-glass', lazy: page(() => import('./pages/breakglass/BreakGlassPage')) },
          { path: 'activity', lazy: page(() => import('./pages/activity/ActivityPage')) },
          { path: 'settings', lazy: page(() => import('./pages/settings/SettingsPage')) },
        ],
      },
      // Unknown dashboard paths go to the Overview.
      { path: '*', element: <Navigate to="/" replace /> },
    ],
  },
];

/**
 * Data a route's page reads first, requested by the route's loader: React Router runs loaders and
 * `lazy` at once, so the request goes out with the page's chunk instead of after it has loaded and
 * rendered. The loader does not wait for it (the page shows its own loading state); the page's
 * `useQuery` with the same key picks up the request in flight. Keys and fetchers are the pages' own.
 */
function preloads(client: QueryClient): Record<string, (url: URL) => void> {
  const warm = (key: string, fetcher: () => Promise<unknown>) => void client.fetch(key, fetcher).catch(() => undefined);
  return {
    '/': () => warm('auth:me', getMe),
    index: () => warm('stats:overview', getStatsOverview),
    agents: (url) => {
      // The Fleet tab (the default one) reads these three; the window comes from ?since=.
      if (url.searchParams.get('tab') === 'rules') return;
      const since = fleetWindow(url.searchParams.get('since'));
      warm(fleetKey(since), () => getFleetCoverage(since));
      warm('agents:status', getAgentStatus);
      warm('agents:registrations', listRegistrations);
    },
    events: (url) => preloadEvents(client, url),
  };
}

function withPreloads(list: RouteObject[], warm: Record<string, (url: URL) => void>): RouteObject[] {
  return list.map((r) => {
    const name = r.index ? 'index' : r.path;
    const pre = name ? warm[name] : undefined;
    const children = r.children ? withPreloads(r.children, warm) : undefined;
    const out = { ...r, ...(children ? { children } : {}) } as RouteObject;
    if (pre) {
      out.loader = ({ request }) => {
        pre(new URL(request.url));
        return null;
      };
    }
    return out;
  });
}

export function createRouter(client?: QueryClient) {
  return createBrowserRouter(client ? withPreloads(routes, preloads(client)) : routes, { basename: '/dashboard' });
}
