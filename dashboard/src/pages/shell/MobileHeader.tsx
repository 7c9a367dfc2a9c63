import { useEffect } from 'react';
import { Link, useLocation } from 'react-router';
import { usePendingApprovals } from '../../api/approvals';
import { orgName, useMe } from '../../api/auth';
import { Drawer } from '../../components/ui/Dialog';
import { IconInbox, IconMenu, IconShieldCheck, IconX } from '../../components/ui/icons';
import { Sidebar } from './Sidebar';

/** Phone-width header: brand, a shortcut to pending approvals, and the menu drawer. */
export function MobileHeader({ open, onOpenChange, email }: { open: boolean; onOpenChange: (o: boolean) => void; email: string }) {
  const org = orgName(useMe().data);
  const pending = usePendingApprovals();
  const count = pending.data?.length ?? 0;
  const location = useLocation();

  // Close the drawer when the route changes (back button included).
  useEffect(() => {
    onOpenChange(false);
  }, [location.pathname, onOpenChange]);

  return (
    <header className="sticky top-0 z-30 flex h-14 items-center gap-2 border-b border-slate-200 bg-white/90 px-3 backdrop-blur md:hidden dark:border-slate-800 dark:bg-slate-950/90">
      <button
        type="button"
        onClick={() => onOpenChange(true)}
        aria-label="Open menu"
        aria-expanded={open}
        className="rounded-md p-2 text-slate-600 hover:bg-slate-100 dark:text-slate-300 dark:hover:bg-slate-800"
      >
        <IconMenu size={20} />
      </button>
      <Link to="/" className="flex min-w-0 flex-1 items-center gap-2 text-sm font-semibold">
        <IconShieldCheck size={20} className="shrink-0 text-amber-500" />
        <span className="shrink-0">Edictum</span>
        {org && <span className="truncate text-xs font-normal text-slate-500 dark:text-slate-400">{org}</span>}
      </Link>
      <Link
        to="/approvals"
        aria-label={count ? `${count} pending approvals` : 'Approvals'}
        className="relative rounded-md p-2 text-slate-600 hover:bg-slate-100 dark:text-slate-300 dark:hover:bg-slate-800"
      >
        <IconInbox size={20} />
        {count > 0 && (
          <span aria-hidden="true" className="absolute top-0.5 right-0 rounded-full bg-amber-500 px-1 text-[10px] leading-4 font-semibold text-slate-950">
            {count}
          </span>
        )}
      </Link>
      <Drawer open={open} onClose={() => onOpenChange(false)} label="Menu">
        <div className="flex justify-end px-2 pt-2">
          <button
            type="button"
            onClick={() => onOpenChange(false)}
            aria-label="Close menu"
            className="rounded-md p-2 text-slate-500 hover:bg-slate-100 dark:hover:bg-slate-800"
          >
            <IconX size={20} />
          </button>
        </div>
        <Sidebar email={email} inDrawer onNavigate={() => onOpenChange(false)} className="flex min-h-0 flex-1" />
      </Drawer>
    </header>
  );
}
