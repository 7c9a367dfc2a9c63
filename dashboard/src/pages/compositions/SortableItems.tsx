// The ordered contracts of a composition. dnd-kit rather than hand-written drag and drop: its
// KeyboardSensor gives the WAI-ARIA sortable pattern (focus the handle, Space picks up, arrows
// move, Space drops, Esc cancels) with live-region announcements, and its PointerSensor covers
// mouse and touch; Move up/down buttons stay as a plain alternative for anyone who prefers them.
import { closestCenter, DndContext, KeyboardSensor, PointerSensor, useSensor, useSensors, type Announcements, type DragEndEvent } from '@dnd-kit/core';
import { arrayMove, SortableContext, sortableKeyboardCoordinates, useSortable, verticalListSortingStrategy } from '@dnd-kit/sortable';
import { CSS } from '@dnd-kit/utilities';
import type { CompositionItem, Mode } from '../../api/library';
import { Badge } from '../../components/ui/Badge';
import { Button } from '../../components/ui/Button';
import { IconArrowDown, IconArrowUp, IconGrip, IconTrash } from '../../components/ui/icons';
import { cn } from '../../lib/cn';
import { TypeBadge } from '../library/TypeBadge';
import { Link } from 'react-router';

export interface ItemsProps {
  items: CompositionItem[];
  defaultsMode: Mode;
  onChange: (items: CompositionItem[]) => void;
}

const selectClass = 'h-8 rounded-md border border-slate-300 bg-white px-2 text-xs dark:border-slate-700 dark:bg-slate-900';

export function SortableItems({ items, defaultsMode, onChange }: ItemsProps) {
  const sensors = useSensors(useSensor(PointerSensor, { activationConstraint: { distance: 4 } }), useSensor(KeyboardSensor, { coordinateGetter: sortableKeyboardCoordinates }));
  const ids = items.map((i) => i.contract_id);
  const nameOf = (id: string | number) => items.find((i) => i.contract_id === id)?.contract_name ?? String(id);
  const posOf = (id: string | number) => ids.indexOf(String(id)) + 1;
  const announcements: Announcements = {
    onDragStart: ({ active }) => `Picked up ${nameOf(active.id)}, position ${posOf(active.id)} of ${ids.length}.`,
    onDragOver: ({ active, over }) => (over ? `${nameOf(active.id)} is over position ${posOf(over.id)} of ${ids.length}.` : `${nameOf(active.id)} is no longer over the list.`),
    onDragEnd: ({ active, over }) => (over ? `${nameOf(active.id)} dropped at position ${posOf(over.id)} of ${ids.length}.` : `${nameOf(active.id)} dropped.`),
    onDragCancel: ({ active }) => `Moving ${nameOf(active.id)} cancelled.`,
  };

  const onDragEnd = ({ active, over }: DragEndEvent) => {
    if (!over || active.id === over.id) return;
    onChange(arrayMove(items, ids.indexOf(String(active.id)), ids.indexOf(String(over.id))));
  };
  const patch = (i: number, p: Partial<CompositionItem>) => onChange(items.map((it, j) => (j === i ? { ...it, ...p } : it)));
  const move = (i: number, d: -1 | 1) => onChange(arrayMove(items, i, i + d));

  return (
    <DndContext
      sensors={sensors}
      collisionDetection={closestCenter}
      onDragEnd={onDragEnd}
      accessibility={{
        announcements,
        screenReaderInstructions: { draggable: 'To reorder, press Space to pick up the contract, the arrow keys to move it, Space again to drop it, or Escape to cancel.' },
      }}
    >
      <SortableContext items={ids} strategy={verticalListSortingStrategy}>
        <ol aria-label="Contracts in this composition" className="flex flex-col gap-2">
          {items.map((it, i) => (
            <Row key={it.contract_id} item={it} index={i} count={items.length} defaultsMode={defaultsMode} patch={(p) => patch(i, p)} move={(d) => move(i, d)} remove={() => onChange(items.filter((_, j) => j !== i))} />
          ))}
        </ol>
      </SortableContext>
    </DndContext>
  );
}

function Row({ item: it, index, count, defaultsMode, patch, move, remove }: {
  item: CompositionItem;
  index: number;
  count: number;
  defaultsMode: Mode;
  patch: (p: Partial<CompositionItem>) => void;
  move: (d: -1 | 1) => void;
  remove: () => void;
}) {
  const { attributes, listeners, setNodeRef, setActivatorNodeRef, transform, transition, isDragging } = useSortable({ id: it.contract_id });
  const latest = it.latest_version ?? it.contract_version;
  const versions = Array.from({ length: latest }, (_, k) => latest - k);
  const name = it.contract_name;
  return (
    <li
      ref={setNodeRef}
      style={{ transform: CSS.Transform.toString(transform), transition }}
      aria-label={name}
      className={cn(
        'flex flex-col gap-2 rounded-lg border border-slate-200 bg-white p-3 dark:border-slate-800 dark:bg-slate-900',
        isDragging && 'relative z-10 shadow-lg ring-2 ring-amber-500',
        !it.enabled && 'opacity-60',
      )}
    >
      <div className="flex min-w-0 items-center gap-2">
        <button
          type="button"
          ref={setActivatorNodeRef}
          {...attributes}
          {...listeners}
          aria-label={`Reorder ${name} (position ${index + 1} of ${count})`}
          className="cursor-grab touch-none rounded p-1 text-slate-400 hover:bg-slate-100 focus-visible:outline-2 focus-visible:outline-amber-500 dark:hover:bg-slate-800"
        >
          <IconGrip size={16} />
        </button>
        <span className="w-5 shrink-0 text-right text-xs text-slate-500 tabular-nums" aria-hidden="true">{index + 1}</span>
        <Link to={`/library/${encodeURIComponent(it.contract_id)}`} className="min-w-0 truncate font-medium hover:underline">
          {name}
        </Link>
        <TypeBadge type={it.contract_type} className="shrink-0" />
        <code className="hidden min-w-0 truncate font-mono text-xs text-slate-500 2xl:inline">{it.contract_id}</code>
        {it.has_newer_version && !it.follow_latest && (
          <Badge tone="amber" dot className="shrink-0" title={`v${latest} is in the library`}>
            Update available
          </Badge>
        )}
        {it.observe_from_version != null && <Badge tone="blue" className="shrink-0" title={`v${it.observe_from_version} still enforces`}>Observing v{it.contract_version}</Badge>}
      </div>
      <div className="flex flex-wrap items-center gap-2 text-xs sm:pl-8">
        <label className="inline-flex items-center gap-1.5">
          <input type="checkbox" checked={it.enabled} onChange={(e) => patch({ enabled: e.target.checked })} className="size-4 accent-amber-500" />
          Enabled
        </label>
        <label className="inline-flex items-center gap-1.5">
          <span>Mode</span>
          <select className={selectClass} value={it.mode_override ?? ''} onChange={(e) => patch({ mode_override: (e.target.value || null) as Mode | null })} aria-label={`Mode of ${name}`}>
            <option value="">default ({defaultsMode})</option>
            <option value="enforce">enforce</option>
            <option value="observe">observe</option>
          </select>
        </label>
        <label className="inline-flex items-center gap-1.5">
          <span>Version</span>
          <select
            className={selectClass}
            aria-label={`Version of ${name}`}
            value={it.follow_latest ? 'latest' : String(it.contract_version)}
            onChange={(e) => (e.target.value === 'latest' ? patch({ follow_latest: true, contract_version: latest, has_newer_version: false }) : patch({ follow_latest: false, contract_version: Number(e.target.value), has_newer_version: Number(e.target.value) < latest }))}
          >
            <option value="latest">latest (follows v{latest})</option>
            {versions.map((v) => (
              <option key={v} value={v}>pinned v{v}</option>
            ))}
          </select>
        </label>
        {it.has_newer_version && !it.follow_latest && (
          <Button size="xs" variant="outline" onClick={() => patch({ contract_version: latest, has_newer_version: false })}>
            Use v{latest}
          </Button>
        )}
        <span className="ml-auto flex items-center gap-1">
          <Button size="xs" variant="ghost" disabled={index === 0} onClick={() => move(-1)} aria-label={`Move ${name} up`}>
            <IconArrowUp size={14} />
          </Button>
          <Button size="xs" variant="ghost" disabled={index === count - 1} onClick={() => move(1)} aria-label={`Move ${name} down`}>
            <IconArrowDown size={14} />
          </Button>
          <Button size="xs" variant="danger-ghost" onClick={remove} aria-label={`Remove ${name}`}>
            <IconTrash size={14} />
          </Button>
        </span>
      </div>
    </li>
  );
}
