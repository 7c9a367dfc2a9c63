import { useEffect, useId, useLayoutEffect, useRef, type MouseEvent as ReactMouseEvent, type ReactNode, type RefObject } from 'react';
import { createPortal } from 'react-dom';
import { cn } from '../../lib/cn';
import { IconX } from './icons';

// While any modal is open the app root is aria-hidden (the classic ARIA modal pattern, on top
// of the native inertness), so assistive tech and role queries see only the modal.
let openCount = 0;
function hideApp(hidden: boolean) {
  const root = document.getElementById('root');
  if (!root) return;
  if (hidden) root.setAttribute('aria-hidden', 'true');
  else root.removeAttribute('aria-hidden');
}

const FOCUSABLE =
  'a[href],button:not([disabled]),input:not([disabled]),select:not([disabled]),textarea:not([disabled]),[tabindex]:not([tabindex="-1"])';

/**
 * Modal behaviour on a native <dialog>: showModal() puts it in the top layer and makes the page
 * behind inert; Tab cycles inside; Esc (the `cancel` event) calls onClose unless not
 * dismissable; focus returns to the element that opened it.
 */
export function useModal(ref: RefObject<HTMLDialogElement | null>, onClose: () => void, dismissable: boolean) {
  const closeRef = useRef(onClose);
  closeRef.current = onClose;
  const dismissRef = useRef(dismissable);
  dismissRef.current = dismissable;

  useLayoutEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    const opener = document.activeElement as HTMLElement | null;
    if (!dialog.open) dialog.showModal();
    openCount += 1;
    hideApp(true);
    const first =
      dialog.querySelector<HTMLElement>('[data-autofocus]') ??
      dialog.querySelector<HTMLElement>('[data-dialog-body] input:not([disabled]), [data-dialog-body] textarea, [data-dialog-body] select') ??
      dialog.querySelector<HTMLElement>('[data-dialog-body] button:not([disabled]), footer button:not([disabled])');
    first?.focus();
    return () => {
      if (dialog.open) dialog.close();
      openCount -= 1;
      if (openCount === 0) hideApp(false);
      if (opener && document.contains(opener)) opener.focus();
    };
  }, [ref]);

  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    const onCancel = (e: Event) => {
      e.preventDefault();
      if (dismissRef.current) closeRef.current();
    };
    const onKey = (e: KeyboardEvent) => {
      if (e.key !== 'Tab') return;
      const items = [...dialog.querySelectorAll<HTMLElement>(FOCUSABLE)].filter((el) => el.offsetParent !== null);
      if (items.length === 0) return;
      const first = items[0]!;
      const last = items[items.length - 1]!;
      if (e.shiftKey && document.activeElement === first) {
        e.preventDefault();
        last.focus();
      } else if (!e.shiftKey && document.activeElement === last) {
        e.preventDefault();
        first.focus();
      }
    };
    dialog.addEventListener('cancel', onCancel);
    dialog.addEventListener('keydown', onKey);
    return () => {
      dialog.removeEventListener('cancel', onCancel);
      dialog.removeEventListener('keydown', onKey);
    };
  }, [ref]);

  return {
    onBackdropMouseDown: (e: ReactMouseEvent) => {
      if (e.target === ref.current && dismissRef.current) closeRef.current();
    },
  };
}

export interface DialogProps {
  open: boolean;
  onClose: () => void;
  title: ReactNode;
  description?: ReactNode;
  children?: ReactNode;
  footer?: ReactNode;
  size?: 'sm' | 'md' | 'lg' | 'xl';
  /** false while a request runs: Esc and the backdrop then do nothing */
  dismissable?: boolean;
  /** wrap body+footer in a form; Enter submits */
  onSubmit?: () => void;
}

const widths = { sm: 'max-w-sm', md: 'max-w-lg', lg: 'max-w-2xl', xl: 'max-w-4xl' };

export function Dialog(props: DialogProps) {
  if (!props.open) return null;
  return <DialogInner {...props} />;
}

function DialogInner({ onClose, title, description, children, footer, size = 'md', dismissable = true, onSubmit }: DialogProps) {
  const ref = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  const descId = useId();
  const { onBackdropMouseDown } = useModal(ref, onClose, dismissable);

  const content = (
    <>
      <div data-dialog-body className="min-h-0 flex-1 overflow-y-auto px-5 py-4">
        {children}
      </div>
      {footer && (
        <footer className="flex flex-wrap items-center justify-end gap-2 border-t border-slate-200 px-5 py-3 dark:border-slate-800">
          {footer}
        </footer>
      )}
    </>
  );

  return createPortal(
    <dialog
      ref={ref}
      aria-labelledby={titleId}
      aria-describedby={description ? descId : undefined}
      onMouseDown={onBackdropMouseDown}
      className={cn(
        'm-auto w-[calc(100%-2rem)] rounded-xl border p-0 shadow-2xl',
        'border-slate-200 bg-white text-slate-900 dark:border-slate-800 dark:bg-slate-900 dark:text-slate-100',
        widths[size],
      )}
    >
      <div className="flex max-h-[85dvh] flex-col">
        <header className="flex items-start justify-between gap-4 border-b border-slate-200 px-5 py-4 dark:border-slate-800">
          <div className="min-w-0">
            <h2 id={titleId} className="text-base font-semibold">
              {title}
            </h2>
            {description && (
              <p id={descId} className="mt-1 text-sm text-slate-600 dark:text-slate-400">
                {description}
              </p>
            )}
          </div>
          <button
            type="button"
            onClick={() => dismissable && onClose()}
            aria-label="Close dialog"
            className="rounded-md p-1 text-slate-500 hover:bg-slate-100 hover:text-slate-900 dark:hover:bg-slate-800 dark:hover:text-slate-100"
          >
            <IconX />
          </button>
        </header>
        {onSubmit ? (
          <form
            noValidate
            className="flex min-h-0 flex-1 flex-col"
            onSubmit={(e) => {
              e.preventDefault();
              onSubmit();
            }}
          >
            {content}
          </form>
        ) : (
          content
        )}
      </div>
    </dialog>,
    document.body,
  );
}

/** A side sheet (mobile navigation, detail panels on small screens). */
export function Drawer({ open, onClose, label, children, side = 'left' }: { open: boolean; onClose: () => void; label: string; children: ReactNode; side?: 'left' | 'right' }) {
  if (!open) return null;
  return (
    <DrawerInner onClose={onClose} label={label} side={side}>
      {children}
    </DrawerInner>
  );
}

function DrawerInner({ onClose, label, children, side }: { onClose: () => void; label: string; children: ReactNode; side: 'left' | 'right' }) {
  const ref = useRef<HTMLDialogElement>(null);
  const { onBackdropMouseDown } = useModal(ref, onClose, true);
  return createPortal(
    <dialog
      ref={ref}
      aria-label={label}
      onMouseDown={onBackdropMouseDown}
      className={cn(
        'fixed inset-y-0 m-0 h-dvh max-h-none w-[min(20rem,85vw)] max-w-none border-0 p-0 shadow-2xl',
        'bg-white text-slate-900 dark:bg-slate-950 dark:text-slate-100',
        side === 'left' ? 'left-0' : 'right-0 left-auto ml-auto w-[min(32rem,100vw)]',
      )}
    >
      <div data-dialog-body className="flex h-full flex-col">
        {children}
      </div>
    </dialog>,
    document.body,
  );
}
