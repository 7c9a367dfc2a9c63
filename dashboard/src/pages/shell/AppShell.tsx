import { useEffect, useState } from 'react';
import { Navigate, Outlet, useLocation, useNavigate } from 'react-router';
import { useMe } from '../../api/auth';
import { ApiError } from '../../api/client';
import { useQueryClient } from '../../api/query';
import { ErrorState, Skeleton } from '../../components/ui/Feedback';
import { LiveProvider } from '../../live/LiveProvider';
import { MobileHeader } from './MobileHeader';
import { Sidebar } from './Sidebar';
import { useApprovalNotices } from './useApprovalNotices';
import { useLiveInvalidation } from './useLiveInvalidation';

/** The authenticated layout: auth guard, the shared live stream, sidebar and page outlet. */
export function AppShell() {
  const me = useMe();
  const location = useLocation();
  const navigate = useNavigate();
  const client = useQueryClient();
  const next = `${location.pathname}${location.search}`;

  // Any query that meets a 401 later (session expired) sends the user to sign in again.
  useEffect(() => {
    client.onUnauthorized = () => {
      client.invalidate('auth:me');
      navigate(`/login?next=${encodeURIComponent(`${window.location.pathname.replace(/^\/dashboard/, '') || '/'}${window.location.search}`)}`, { replace: true });
    };
    return () => {
      client.onUnauthorized = null;
    };
  }, [client, navigate]);

  if (!me.data && me.error instanceof ApiError && me.error.status === 401) {
    return <Navigate to={next === '/' ? '/login' : `/login?next=${encodeURIComponent(next)}`} replace />;
  }
  if (me.error && !me.data) {
    return (
      <div className="mx-auto max-w-lg p-8">
        <ErrorState error={me.error} title="Could not check your session" onRetry={() => void me.refetch()} />
      </div>
    );
  }
  if (!me.data) return <ShellSkeleton />;

  return (
    <LiveProvider>
      <ShellLayout email={me.data.email} />
    </LiveProvider>
  );
}

function ShellLayout({ email }: { email: string }) {
  const [menuOpen, setMenuOpen] = useState(false);
  useLiveInvalidation();
  useApprovalNotices();
  return (
    <div className="flex min-h-dvh">
      <a href="#main" className="sr-only focus:not-sr-only focus:fixed focus:top-2 focus:left-2 focus:z-50 focus:rounded focus:bg-amber-500 focus:px-3 focus:py-2 focus:text-slate-950">
        Skip to content
      </a>
      <Sidebar email={email} className="sticky top-0 hidden h-dvh md:flex" />
      <div className="flex min-w-0 flex-1 flex-col">
        <MobileHeader open={menuOpen} onOpenChange={setMenuOpen} email={email} />
        <main id="main" tabIndex={-1} className="min-w-0 flex-1 px-4 py-5 focus:outline-none sm:px-6 lg:px-8">
          <Outlet />
        </main>
      </div>
    </div>
  );
}

function ShellSkeleton() {
  return (
    <div className="flex min-h-dvh" role="status" aria-busy="true" aria-label="Loading">
      <span className="sr-only">Loading…</span>
      <div className="hidden w-[230px] flex-col gap-3 border-r border-slate-200 p-4 md:flex dark:border-slate-800">
        <Skeleton className="h-8 w-32" />
        {Array.from({ length: 7 }, (_, i) => (
          <Skeleton key={i} className="h-7 w-full" />
        ))}
      </div>
      <div className="flex-1 p-8">
        <Skeleton className="mb-6 h-8 w-48" />
        <div className="grid grid-cols-2 gap-4 lg:grid-cols-4">
          {Array.from({ length: 4 }, (_, i) => (
            <Skeleton key={i} className="h-24" />
          ))}
        </div>
      </div>
    </div>
  );
}
