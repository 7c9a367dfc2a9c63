import { isRouteErrorResponse, useRouteError } from 'react-router';
import { Button } from '../../components/ui/Button';
import { IconAlert } from '../../components/ui/icons';

/**
 * Last-resort error screen. The usual cause is a stale tab after an upgrade: the old page asks
 * for a hashed chunk the new build no longer has. Reloading fetches the new index.html.
 */
export function RouteError() {
  const error = useRouteError();
  const chunkMissing = error instanceof Error && /dynamically imported module|Importing a module script failed|Failed to fetch/i.test(error.message);
  const message = isRouteErrorResponse(error)
    ? `${error.status} ${error.statusText}`
    : chunkMissing
      ? 'The console was updated since this page was opened.'
      : error instanceof Error
        ? error.message
        : 'Unexpected error.';
  return (
    <div role="alert" className="mx-auto flex min-h-dvh max-w-md flex-col items-center justify-center gap-4 p-6 text-center">
      <IconAlert size={32} className="text-red-500" />
      <h1 className="text-lg font-semibold">Something went wrong</h1>
      <p className="text-sm text-slate-600 dark:text-slate-400">{message}</p>
      <Button variant="primary" onClick={() => window.location.reload()}>
        Reload the page
      </Button>
    </div>
  );
}
