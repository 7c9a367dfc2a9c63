import { useState } from 'react';
import { NavLink, useNavigate } from 'react-router';
import { logout, orgName, useMe } from '../../api/auth';
import { usePendingApprovals } from '../../api/approvals';
import { useQueryClient } from '../../api/query';
import { IconChevronLeft, IconChevronRight, IconLogOut, IconMoon, IconSettings, IconShieldCheck, IconSun } from '../../components/ui/icons';
import { useToast } from '../../components/ui/Toast';
import { useLiveStatus } from '../../live/LiveProvider';
import { cn } from '../../lib/cn';
import { useStoredState, useTheme } from '../../lib/theme';
import { NAV_GROUPS, type NavItem } from './nav';

interface SidebarProps {
  email: string;
  className?: string;
  /** the mobile drawer is always expanded and closes after a click */
  inDrawer?: boolean;
  onNavigate?: () => void;
}

export function Sidebar({ email, className, inDrawer = false, onNavigate }: SidebarProps) {
  const org = orgName(useMe().data);
  const [storedCollapsed, setCollapsed] = useStoredState<boolean>('edictum-sidebar-collapsed', false);
  const collapsed = !inDrawer && storedCollapsed;
  const pending = usePendingApprovals();
  const pendingCount = pending.data?.length ?? 0;

  return (
    <aside
      aria-label="Sidebar"
      className={cn(
        'shrink-0 flex-col border-r border-slate-200 bg-white transition-[width] duration-200 dark:border-slate-800 dark:bg-slate-950',
        collapsed ? 'w-14' : 'w-[230px]',
        inDrawer && 'h-full w-full border-r-0',
        className,
      )}
    >
      <div className={cn('flex h-14 items-center gap-2 px-4', collapsed && 'justify-center px-0')}>
        <IconShieldCheck size={22} className="shrink-0 text-amber-500" />
        {!collapsed && (
          <span className="flex min-w-0 flex-col">
            <span className="truncate text-sm font-semibold tracking-tight">Edictum Console</span>
            {org && (
              <span className="truncate text-xs text-slate-500 dark:text-slate-400" data-testid="org-name" title={org}>
                {org}
              </span>
            )}
          </span>
        )}
      </div>

      <nav aria-label="Main" className="flex-1 overflow-y-auto px-2 py-2">
        {NAV_GROUPS.map((group) => (
          <div key={group.label} className="mb-4">
            {collapsed ? (
              <div className="mx-3 mb-2 border-t border-slate-200 dark:border-slate-800" aria-hidden="true" />
            ) : (
              <p className="px-2 pb-1 text-[11px] font-semibold tracking-wider text-slate-400 uppercase dark:text-slate-500">{group.label}</p>
            )}
            <ul className="flex flex-col gap-0.5">
              {group.items.map((item) => (
                <li key={item.to}>
                  <SidebarLink item={item} collapsed={collapsed} count={item.badge === 'pending' ? pendingCount : 0} onNavigate={onNavigate} />
                </li>
              ))}
            </ul>
          </div>
        ))}
      </nav>

      <SidebarFooter email={email} collapsed={collapsed} onNavigate={onNavigate} />

      {!inDrawer && (
        <button
          type="button"
          onClick={() => setCollapsed(!storedCollapsed)}
          aria-label={collapsed ? 'Expand sidebar' : 'Collapse sidebar'}
          aria-expanded={!collapsed}
          className="flex h-9 items-center justify-center border-t border-slate-200 text-slate-500 hover:text-slate-900 dark:border-slate-800 dark:hover:text-slate-100"
        >
          {collapsed ? <IconChevronRight /> : <IconChevronLeft />}
        </button>
      )}
    </aside>
  );
}

const linkBase =
  'group relative flex h-9 items-center gap-3 rounded-md px-2.5 text-sm font-medium transition-colors';
const linkIdle = 'text-slate-600 hover:bg-slate-100 hover:text-slate-900 dark:text-slate-400 dark:hover:bg-slate-900 dark:hover:text-slate-100';
const linkActive = 'bg-amber-500/10 text-amber-700 dark:text-amber-400';

function SidebarLink({ item, collapsed, count, onNavigate }: { item: NavItem; collapsed: boolean; count: number; onNavigate?: () => void }) {
  const Icon = item.icon;
  const title = collapsed ? `${item.label}${count ? ` (${count} pending)` : ''}` : undefined;
  return (
    <NavLink
      to={item.to}
      end={item.end}
      title={title}
      onClick={onNavigate}
      className={({ isActive }) => cn(linkBase, isActive ? linkActive : linkIdle, collapsed && 'justify-center px-0')}
    >
      <Icon size={18} className="shrink-0" />
      <span className={cn('flex-1 truncate', collapsed && 'sr-only')}>{item.label}</span>
      {count > 0 && (
        <span
          className={cn(
            'relative rounded-full bg-amber-500 px-1.5 text-[11px] leading-5 font-semibold text-slate-950 tabular-nums',
            collapsed && 'absolute -top-0.5 right-0.5 px-1 text-[10px] leading-4',
          )}
        >
          <span aria-hidden="true" className="absolute inset-0 animate-ping rounded-full bg-amber-500 opacity-30 motion-reduce:hidden" />
          <span className="relative">{count >= 500 ? '500+' : count}</span>
          <span className="sr-only"> pending</span>
        </span>
      )}
    </NavLink>
  );
}

function SidebarFooter({ email, collapsed, onNavigate }: { email: string; collapsed: boolean; onNavigate?: () => void }) {
  const [theme, toggleTheme] = useTheme();
  const navigate = useNavigate();
  const client = useQueryClient();
  const toast = useToast();
  const live = useLiveStatus();
  const [signingOut, setSigningOut] = useState(false);

  const signOut = async () => {
    setSigningOut(true);
    try {
      await logout();
    } catch {
      // Even if the request failed the user wants out; the cookie expires on its own.
      toast.error('Sign-out did not reach the server; your session will expire on its own.');
    }
    navigate('/login', { replace: true });
    client.clear();
  };

  const liveLabel = live === 'open' ? 'Live updates on' : live === 'closed' ? 'Live updates off' : 'Reconnecting to live updates';

  return (
    <div className="flex flex-col gap-0.5 border-t border-slate-200 px-2 py-2 dark:border-slate-800">
      <NavLink
        to="/settings"
        onClick={onNavigate}
        title={collapsed ? 'Settings' : undefined}
        className={({ isActive }) => cn(linkBase, isActive ? linkActive : linkIdle, collapsed && 'justify-center px-0')}
      >
        <IconSettings size={18} className="shrink-0" />
        <span className={cn('flex-1', collapsed && 'sr-only')}>Settings</span>
      </NavLink>

      <div className={cn('flex items-center gap-2 px-2.5 py-2', collapsed && 'justify-center px-0')} title={collapsed ? email : undefined}>
        <span
          aria-hidden="true"
          className="flex size-7 shrink-0 items-center justify-center rounded-full bg-amber-500/15 text-xs font-semibold text-amber-600 uppercase dark:text-amber-400"
        >
          {email.slice(0, 1)}
        </span>
        <div className={cn('min-w-0 flex-1', collapsed && 'sr-only')}>
          <p className="truncate text-xs text-slate-700 dark:text-slate-300" data-testid="user-email">
            {email}
          </p>
          <p className="flex items-center gap-1.5 text-[11px] text-slate-500" role="status" aria-label={liveLabel}>
            <span aria-hidden="true" className={cn('size-1.5 rounded-full', live === 'open' ? 'bg-emerald-500' : live === 'closed' ? 'bg-zinc-500' : 'animate-pulse bg-amber-500')} />
            <span aria-hidden="true">{live === 'open' ? 'Live' : live === 'closed' ? 'Offline' : 'Reconnecting…'}</span>
          </p>
        </div>
      </div>

      <div className={cn('flex gap-1', collapsed && 'flex-col items-center')}>
        <button
          type="button"
          onClick={toggleTheme}
          aria-label={theme === 'dark' ? 'Switch to light theme' : 'Switch to dark theme'}
          title={theme === 'dark' ? 'Light theme' : 'Dark theme'}
          className={cn(linkBase, linkIdle, 'h-8 justify-center px-2', !collapsed && 'flex-1')}
        >
          {theme === 'dark' ? <IconSun size={16} /> : <IconMoon size={16} />}
          {!collapsed && <span className="text-xs">{theme === 'dark' ? 'Light' : 'Dark'}</span>}
        </button>
        <button
          type="button"
          onClick={() => void signOut()}
          disabled={signingOut}
          title={collapsed ? 'Sign out' : undefined}
          className={cn(linkBase, linkIdle, 'h-8 justify-center px-2', !collapsed && 'flex-1')}
        >
          <IconLogOut size={16} />
          <span className={cn('text-xs', collapsed && 'sr-only')}>Sign out</span>
        </button>
      </div>
    </div>
  );
}
