import { Button } from '../../components/ui/Button';
import { Dialog } from '../../components/ui/Dialog';

const KEYS: [string, string][] = [
  ['j / ↓', 'Next request'],
  ['k / ↑', 'Previous request'],
  ['a', 'Approve the highlighted request'],
  ['d', 'Deny the highlighted request (asks for a reason)'],
  ['x', 'Select or unselect for a bulk action'],
  ['Enter', 'Show or hide details (table)'],
  ['Esc', 'Cancel a deny'],
  ['?', 'This help'],
];

export function ShortcutsDialog({ open, onClose }: { open: boolean; onClose: () => void }) {
  return (
    <Dialog open={open} onClose={onClose} title="Keyboard shortcuts" size="sm" footer={<Button onClick={onClose}>Close</Button>}>
      <dl className="grid grid-cols-[auto_1fr] gap-x-4 gap-y-2 text-sm">
        {KEYS.map(([k, d]) => (
          <div key={k} className="contents">
            <dt>
              <kbd className="rounded border border-slate-300 bg-slate-100 px-1.5 py-0.5 font-mono text-xs dark:border-slate-700 dark:bg-slate-800">{k}</kbd>
            </dt>
            <dd className="text-slate-600 dark:text-slate-400">{d}</dd>
          </div>
        ))}
      </dl>
    </Dialog>
  );
}
