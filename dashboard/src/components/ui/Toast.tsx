import { createContext, useCallback, useContext, useLayoutEffect, useMemo, useRef, useState, type ReactNode } from 'react';
import { createPortal } from 'react-dom';
import { cn } from '../../lib/cn';
import { IconAlert, IconCheck, IconX } from './icons';

type Tone = 'success' | 'error' | 'info';
interface ToastItem {
  id: number;
  tone: Tone;
  message: ReactNode;
}
export interface Toaster {
  success: (m: ReactNode) => void;
  error: (m: ReactNode) => void;
  info: (m: ReactNode) => void;
}

const ToastContext = createContext<Toaster | null>(null);

export function useToast(): Toaster {
  const t = useContext(ToastContext);
  if (!t) throw new Error('useToast outside ToastProvider');
  return t;
}

const DURATION_MS = { success: 4000, info: 5000, error: 8000 };

/**
 * Toasts top-right. The region is a manual popover so it sits in the top layer above an open
 * modal dialog (which would otherwise cover it and make it inert).
 */
export function ToastProvider({ children }: { children: ReactNode }) {
  const [items, setItems] = useState<ToastItem[]>([]);
  const nextId = useRef(1);
  const regionRef = useRef<HTMLDivElement>(null);

  const dismiss = useCallback((id: number) => setItems((xs) => xs.filter((x) => x.id !== id)), []);
  const push = useCallback(
    (tone: Tone, message: ReactNode) => {
      const id = nextId.current++;
      setItems((xs) => [...xs.slice(-4), { id, tone, message }]);
      window.setTimeout(() => dismiss(id), DURATION_MS[tone]);
    },
    [dismiss],
  );
  const api = useMemo<Toaster>(
    () => ({ success: (m) => push('success', m), error: (m) => push('error', m), info: (m) => push('info', m) }),
    [push],
  );

  useLayoutEffect(() => {
    const el = regionRef.current;
    if (!el || typeof el.showPopover !== 'function') return;
    try {
      // Re-show so the region is re-stacked above a dialog opened after it.
      if (el.matches(':popover-open')) el.hidePopover();
      if (items.length > 0) el.showPopover();
    } catch {
      /* popover unsupported: the fixed-position fallback still shows */
    }
  }, [items]);

  return (
    <ToastContext.Provider value={api}>
      {children}
      {createPortal(
      <div
        ref={regionRef}
        popover="manual"
        className="pointer-events-none fixed inset-auto top-4 right-4 m-0 flex w-[min(24rem,calc(100vw-2rem))] flex-col gap-2 overflow-visible border-0 bg-transparent p-0"
      >
        {/* Live regions without a role: each toast carries its own (status or alert), so an
            empty region never shows up as an "alert" to assistive tech or role queries. */}
        <div aria-live="polite" className="flex flex-col gap-2">
          {items.filter((t) => t.tone !== 'error').map((t) => (
            <ToastView key={t.id} item={t} onDismiss={dismiss} />
          ))}
        </div>
        <div aria-live="assertive" className="flex flex-col gap-2">
          {items.filter((t) => t.tone === 'error').map((t) => (
            <ToastView key={t.id} item={t} onDismiss={dismiss} />
          ))}
        </div>
      </div>,
      document.body,
      )}
    </ToastContext.Provider>
  );
}

function ToastView({ item, onDismiss }: { item: ToastItem; onDismiss: (id: number) => void }) {
  const Icon = item.tone === 'error' ? IconAlert : IconCheck;
  return (
    <div
      role={item.tone === 'error' ? 'alert' : 'status'}
      className={cn(
        'pointer-events-auto flex items-start gap-3 rounded-lg border px-4 py-3 text-sm shadow-lg',
        'border-slate-200 bg-white text-slate-900 dark:border-slate-700 dark:bg-slate-800 dark:text-slate-100',
      )}
    >
      <Icon
        className={cn(
          'mt-0.5 shrink-0',
          item.tone === 'success' && 'text-emerald-500',
          item.tone === 'error' && 'text-red-500',
          item.tone === 'info' && 'text-amber-500',
        )}
      />
      <div className="min-w-0 flex-1 break-words">{item.message}</div>
      <button
        type="button"
        aria-label="Dismiss notification"
        onClick={() => onDismiss(item.id)}
        className="rounded p-0.5 text-slate-400 hover:text-slate-700 dark:hover:text-slate-200"
      >
        <IconX size={14} />
      </button>
    </div>
  );
}
