import { memo, useCallback, useEffect, useId, useRef, useState, type KeyboardEvent, type MouseEvent } from 'react';
import { Loader } from '@mantine/core';
import { useVirtualizer } from '@tanstack/react-virtual';
import { IconArrowDown, IconArrowUp, IconArrowsSort } from '@tabler/icons-react';
import type { QueueListItem, QueueSort } from '../../../shared/contract';
import { formatBytes, formatTime } from '../fleet/format';
import { visibleText } from '../fleet/visible-text';
import { formatAge } from '../../../shared/duration';
import { formatCount, secondsSince } from './format';
import type { QueueRows } from './useQueuePages';
import type { SelectionController } from './useQueueSelection';
import './queue.css';

/** Fixed, so the virtualiser never measures a row: no layout reads while scrolling. */
const ROW_HEIGHT = 36;
const OVERSCAN = 12;

type SortField = QueueSort['field'];

/** As tall as the rows need, within a screenful; never so short that a message or a loader has no room. */
const bodyHeight = (rows: number) => `clamp(${ROW_HEIGHT * 4}px, ${rows * ROW_HEIGHT + 1}px, min(62vh, 600px))`;

interface Column {
  key: string;
  label: string;
  width: string;
  sort?: SortField;
  right?: boolean;
}

const checkboxColumn: Column = { key: 'select', label: 'Select', width: '20px' };
const hostColumn: Column = { key: 'host', label: 'Host', width: 'minmax(90px, 0.6fr)', sort: 'host' };
const messageColumns: Column[] = [
  { key: 'id', label: 'ID', width: '128px', sort: 'id' },
  { key: 'queue', label: 'Queue', width: '76px', sort: 'queue' },
  { key: 'arrival', label: 'Arrived', width: '118px', sort: 'arrivalTime' },
  { key: 'size', label: 'Size', width: '72px', sort: 'size', right: true },
  { key: 'sender', label: 'Sender', width: 'minmax(150px, 1fr)', sort: 'sender' },
  { key: 'recipients', label: 'Recipients', width: 'minmax(170px, 1.2fr)', sort: 'recipient' },
  { key: 'reason', label: 'Reason', width: 'minmax(190px, 1.6fr)' },
];

/** Server text for a cell: control characters as visible markers, and only ever a text child or a tooltip. */
const shown = (text: string) => visibleText(text);

const firstReason = (item: QueueListItem) => item.recipients.find((recipient) => recipient.reason)?.reason ?? null;

interface RowProps {
  item: QueueListItem | undefined;
  index: number;
  start: number;
  id: string;
  template: string;
  showHost: boolean;
  selectable: boolean;
  selected: boolean;
  selectionLocked: boolean;
  active: boolean;
  now: number;
  onRowClick(index: number, item: QueueListItem | undefined): void;
  onCheck(index: number, item: QueueListItem, shift: boolean): void;
}

/** One message. Plain elements only, memoised, so a scroll frame re-renders just the rows that came into view. */
const Row = memo(function Row(props: RowProps) {
  const { item, index, start, template, showHost, selectable, selected, active, now } = props;
  const style = { transform: `translateY(${start}px)`, gridTemplateColumns: template };
  const common = {
    id: props.id,
    role: 'row',
    'aria-rowindex': index + 2,
    className: 'copper-qt-row copper-qt-vrow',
    style,
    'data-active': active,
    onClick: () => props.onRowClick(index, item),
  } as const;
  if (!item) {
    return (
      <div {...common} aria-busy="true" data-testid="queue-row-loading">
        {selectable && <span role="gridcell" />}
        <span role="gridcell" className="copper-qt-cell copper-qt-dim">
          Loading…
        </span>
      </div>
    );
  }
  const age = secondsSince(item.arrivalTime, now);
  const reason = firstReason(item);
  const [firstRecipient, ...more] = item.recipients;
  const sender = item.sender === '' ? '<> (bounce)' : shown(item.sender);
  return (
    <div {...common} aria-selected={selectable ? selected : undefined} data-testid="queue-row" data-id={item.id} data-queue={item.queue}>
      {selectable && (
        <span role="gridcell">
          <input
            type="checkbox"
            className="copper-qt-check"
            tabIndex={-1}
            checked={selected}
            disabled={props.selectionLocked}
            readOnly
            aria-label={`Select message ${item.id}`}
            title={props.selectionLocked ? 'Every message matching the filter is selected: clear the selection to pick single messages.' : undefined}
            onClick={(event: MouseEvent<HTMLInputElement>) => {
              event.stopPropagation();
              props.onCheck(index, item, event.shiftKey);
            }}
          />
        </span>
      )}
      {showHost && (
        <span role="gridcell" className="copper-qt-cell" data-column="host">
          {item.host}
        </span>
      )}
      <span role="gridcell" className="copper-qt-cell copper-qt-mono" data-column="id">
        {item.id}
      </span>
      <span role="gridcell" className="copper-qt-cell">
        <span className="copper-qt-queue" data-queue={item.queue}>
          {item.queue}
        </span>
      </span>
      <span role="gridcell" className="copper-qt-cell" title={formatTime(item.arrivalTime)}>
        {`${formatAge(age)} ago`}
      </span>
      <span role="gridcell" className="copper-qt-cell copper-qt-right" title={`${formatCount(item.size)} bytes`}>
        {formatBytes(item.size)}
      </span>
      <span role="gridcell" className="copper-qt-cell" title={sender} data-column="sender">
        {sender}
      </span>
      <span role="gridcell" className="copper-qt-cell" title={item.recipients.map((r) => shown(r.address)).join('\n')} data-column="recipients">
        {firstRecipient ? shown(firstRecipient.address) : '—'}
        {more.length > 0 && <span className="copper-qt-dim">{` +${formatCount(more.length)}`}</span>}
      </span>
      <span role="gridcell" className={`copper-qt-cell${reason ? '' : ' copper-qt-dim'}`} title={reason ? shown(reason) : undefined} data-column="reason">
        {reason ? shown(reason) : '—'}
      </span>
    </div>
  );
});

function SortHeader({ column, sort, onSort }: { column: Column; sort: QueueSort; onSort(sort: QueueSort): void }) {
  const field = column.sort;
  if (!field) return <>{column.label}</>;
  const current = sort.field === field;
  const Icon = !current ? IconArrowsSort : sort.direction === 'asc' ? IconArrowUp : IconArrowDown;
  const next: QueueSort = { field, direction: current && sort.direction === 'asc' ? 'desc' : 'asc' };
  return (
    <button
      type="button"
      className="copper-qt-sort"
      onClick={() => onSort(next)}
      aria-label={`Sort by ${column.label.toLowerCase()}${current ? (sort.direction === 'asc' ? ', now ascending' : ', now descending') : ''}`}
    >
      <span className="copper-qt-cell">{column.label}</span>
      <Icon size={14} aria-hidden style={{ flexShrink: 0, opacity: current ? 1 : 0.45 }} />
    </button>
  );
}

/**
 * The messages of a queue listing in a virtualised grid: only the rows on screen exist in the page, fetched in pages of
 * PAGE_SIZE, so 100,000 messages scroll as smoothly as 100. Keyboard: arrows, Page Up/Down, Home/End move; Space
 * selects; Shift extends; Enter opens the message.
 */
export function QueueTable({
  rows,
  sort,
  onSort,
  selection,
  showHost,
  onOpen,
  label,
  now,
  emptyText,
  listKey,
}: {
  rows: QueueRows;
  sort: QueueSort;
  onSort(sort: QueueSort): void;
  /** Absent where messages cannot be acted on (the fleet page): no checkboxes then. */
  selection?: SelectionController;
  showHost: boolean;
  onOpen(item: QueueListItem): void;
  label: string;
  now: number;
  emptyText: string;
  /** Changes with the filter and the sort (not with a new read of the same listing). */
  listKey: string;
}) {
  const bodyRef = useRef<HTMLDivElement>(null);
  const idPrefix = useId();
  const [active, setActive] = useState<number | null>(null);
  const count = rows.status === 'ready' ? rows.matched : 0;
  const selectable = selection !== undefined;

  const virtualizer = useVirtualizer({
    count,
    getScrollElement: () => bodyRef.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: OVERSCAN,
  });
  const items = virtualizer.getVirtualItems();
  const first = items[0]?.index ?? 0;
  const last = items[items.length - 1]?.index ?? 0;
  const { showRows } = rows;
  useEffect(() => showRows(first, last), [first, last, showRows]);

  // Another filter or sort starts at the top: old positions mean other messages now. A new read of the same listing
  // (a refresh, or the read every plan makes) keeps the place, so the operator is not thrown back after each action.
  useEffect(() => {
    setActive(null);
    bodyRef.current?.scrollTo({ top: 0 });
  }, [listKey]);
  useEffect(() => {
    setActive((current) => (current !== null && current >= count ? null : current));
  }, [count]);

  const columns = [...(selectable ? [checkboxColumn] : []), ...(showHost ? [hostColumn] : []), ...messageColumns];
  const template = columns.map((column) => column.width).join(' ');

  // Handlers read the latest props through a ref, so the memoised rows keep the same callbacks across renders.
  const latest = useRef({ rows, selection, onOpen });
  latest.current = { rows, selection, onOpen };
  const onRowClick = useCallback((index: number, item: QueueListItem | undefined) => {
    setActive(index);
    if (item) latest.current.onOpen(item);
  }, []);
  const onCheck = useCallback((index: number, item: QueueListItem, shift: boolean) => {
    setActive(index);
    const current = latest.current.selection;
    if (!current) return;
    if (shift) void current.extendTo(index, item.id);
    else current.toggle(index, item.id);
  }, []);

  const moveTo = (index: number, extend: boolean) => {
    if (count === 0) return;
    const target = Math.min(count - 1, Math.max(0, index));
    setActive(target);
    virtualizer.scrollToIndex(target, { align: 'auto' });
    const item = rows.rowAt(target);
    if (extend && item && selection) void selection.extendTo(target, item.id);
  };

  const onKeyDown = (event: KeyboardEvent<HTMLDivElement>) => {
    if (event.target !== event.currentTarget) return; // keys on the sort buttons and checkboxes are theirs
    const page = Math.max(1, Math.floor((bodyRef.current?.clientHeight ?? ROW_HEIGHT * 10) / ROW_HEIGHT) - 1);
    const from = active ?? -1;
    const keys: Record<string, () => void> = {
      ArrowDown: () => moveTo(from + 1, event.shiftKey),
      ArrowUp: () => moveTo(Math.max(0, from - 1), event.shiftKey),
      PageDown: () => moveTo(from + page, event.shiftKey),
      PageUp: () => moveTo(Math.max(0, from - page), event.shiftKey),
      Home: () => moveTo(0, event.shiftKey),
      End: () => moveTo(count - 1, event.shiftKey),
      ' ': () => {
        const item = active !== null ? rows.rowAt(active) : undefined;
        if (item && active !== null && selection) selection.toggle(active, item.id);
      },
      Enter: () => {
        const item = active !== null ? rows.rowAt(active) : undefined;
        if (item) onOpen(item);
      },
    };
    const action = keys[event.key];
    if (!action) return;
    event.preventDefault();
    action();
  };

  const allSelected = selection !== undefined && count > 0 && selection.count >= count;
  const someSelected = selection !== undefined && selection.count > 0 && !allSelected;
  const activeId = active !== null && items.some((item) => item.index === active) ? `${idPrefix}-row-${active}` : undefined;

  return (
    <div
      className="copper-qt"
      role="grid"
      aria-label={label}
      aria-rowcount={count + 1}
      aria-colcount={columns.length}
      aria-multiselectable={selectable || undefined}
      aria-busy={rows.status === 'loading' || undefined}
      aria-activedescendant={activeId}
      tabIndex={0}
      onKeyDown={onKeyDown}
      onFocus={() => {
        if (active === null && count > 0) setActive(first);
      }}
      data-testid="queue-table"
      data-matched={rows.matched}
      data-status={rows.status}
    >
      <div className="copper-qt-inner">
        <div className="copper-qt-head" role="rowgroup">
          <div className="copper-qt-row" role="row" aria-rowindex={1} style={{ gridTemplateColumns: template }}>
            {columns.map((column) => (
              <span
                key={column.key}
                role="columnheader"
                className={`copper-qt-cell${column.right ? ' copper-qt-right' : ''}`}
                aria-sort={column.sort && sort.field === column.sort ? (sort.direction === 'asc' ? 'ascending' : 'descending') : undefined}
              >
                {column.key === 'select' && selection ? (
                  <input
                    type="checkbox"
                    className="copper-qt-check"
                    checked={allSelected}
                    ref={(element) => {
                      if (element) element.indeterminate = someSelected;
                    }}
                    disabled={count === 0}
                    readOnly
                    aria-label={`Select all ${formatCount(count)} messages matching the filter`}
                    onClick={() => (selection.count > 0 ? selection.clear() : selection.selectAllMatching())}
                  />
                ) : (
                  <SortHeader column={column} sort={sort} onSort={onSort} />
                )}
              </span>
            ))}
          </div>
        </div>
        <div ref={bodyRef} className="copper-qt-body" role="rowgroup" tabIndex={-1} style={{ height: bodyHeight(count) }}>
          {rows.status !== 'ready' ? (
            <div className="copper-qt-message">
              {rows.status === 'error' ? 'The messages could not be listed (see above).' : <Loader size="sm" aria-label="Loading messages" />}
            </div>
          ) : count === 0 ? (
            <div className="copper-qt-message" data-testid="queue-table-empty">
              {emptyText}
            </div>
          ) : (
            <div style={{ height: virtualizer.getTotalSize(), position: 'relative' }}>
              {items.map((virtual) => {
                const item = rows.rowAt(virtual.index);
                return (
                  <Row
                    key={virtual.index}
                    id={`${idPrefix}-row-${virtual.index}`}
                    item={item}
                    index={virtual.index}
                    start={virtual.start}
                    template={template}
                    showHost={showHost}
                    selectable={selectable}
                    selected={item !== undefined && selection !== undefined && selection.isSelected(item.id)}
                    selectionLocked={selection?.by === 'filter'}
                    active={virtual.index === active}
                    now={now}
                    onRowClick={onRowClick}
                    onCheck={onCheck}
                  />
                );
              })}
            </div>
          )}
        </div>
      </div>
    </div>
  );
}
