import { api } from './client';
import { useQuery } from './query';

export type SwitchKind = 'freeze_tool' | 'stop_side_effects' | 'quarantine_agent';
export type SwitchStatus = 'pending' | 'active' | 'disarmed' | 'expired' | 'lapsed';

export interface BreakGlassSwitch {
  id: string;
  kind: SwitchKind;
  tool: string | null;
  agent_id: string | null;
  reason: string;
  status: SwitchStatus;
  duration_seconds: number;
  armed_by: string;
  confirmed_by: string | null;
  confirmed_at: string | null;
  expires_at: string;
  ended_by: string | null;
  ended_at: string | null;
  effects: { revoked_key_ids?: string[] };
  created_at: string;
  can_confirm: boolean;
}

export interface ArmRequest {
  kind: SwitchKind;
  tool?: string;
  agent_id?: string;
  reason: string;
  duration_minutes: number;
}

const enc = encodeURIComponent;
export const listSwitches = () => api<{ switches: BreakGlassSwitch[]; admins: number }>('/break-glass');
export const armSwitch = (body: ArmRequest) => api<BreakGlassSwitch>('/break-glass', { method: 'POST', body });
export const confirmSwitch = (id: string) => api<BreakGlassSwitch>(`/break-glass/${enc(id)}/confirm`, { method: 'POST', body: {} });
export const extendSwitch = (id: string, minutes: number) => api<BreakGlassSwitch>(`/break-glass/${enc(id)}/extend`, { method: 'POST', body: { minutes } });
export const disarmSwitch = (id: string, reason?: string) => api<BreakGlassSwitch>(`/break-glass/${enc(id)}/disarm`, { method: 'POST', body: reason ? { reason } : {} });

export function useSwitches() {
  // Polled: another admin's arm or confirm, and the deadline passing, show up without a reload.
  return useQuery('breakglass:list', listSwitches, { refetchIntervalMs: 5_000 });
}
