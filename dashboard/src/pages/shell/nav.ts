import type { ComponentType, SVGProps } from 'react';
import { IconAlert, IconBot, IconDatabase, IconFile, IconGauge, IconInbox, IconKey, IconList, IconPlay, IconRefresh, IconShield, IconShieldCheck } from '../../components/ui/icons';

export interface NavItem {
  to: string;
  label: string;
  icon: ComponentType<SVGProps<SVGSVGElement> & { size?: number }>;
  end?: boolean;
  badge?: 'pending';
}

export const NAV_GROUPS: { label: string; items: NavItem[] }[] = [
  {
    label: 'Monitor',
    items: [
      { to: '/', label: 'Overview', icon: IconGauge, end: true },
      { to: '/events', label: 'Events', icon: IconList },
      { to: '/approvals', label: 'Approvals', icon: IconInbox, badge: 'pending' },
    ],
  },
  {
    label: 'Manage',
    items: [
      { to: '/contracts', label: 'Contracts', icon: IconFile },
      { to: '/library', label: 'Library', icon: IconDatabase },
      { to: '/compositions', label: 'Compositions', icon: IconShieldCheck },
      { to: '/evaluate', label: 'Evaluate', icon: IconPlay },
      { to: '/agents', label: 'Agents', icon: IconBot },
      { to: '/rollouts', label: 'Rollouts', icon: IconRefresh },
      { to: '/keys', label: 'API Keys', icon: IconKey },
    ],
  },
  {
    label: 'Admin',
    items: [
      { to: '/break-glass', label: 'Break-glass', icon: IconAlert },
      { to: '/activity', label: 'Activity', icon: IconShield },
    ],
  },
];
