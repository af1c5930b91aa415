import { useCallback, useMemo, useState } from 'react';
import { MAX_SELECTED_IDS, type QueueFilter, type QueueSelection } from '../../../shared/contract';
import type { QueueRows } from './useQueuePages';

type State =
  | { by: 'ids'; ids: ReadonlySet<string>; anchor: number | null }
  /** Every message the applied filter matches, however many: the action then names the filter, not a list of IDs. */
  | { by: 'filter' };

export interface SelectionController {
  by: 'ids' | 'filter';
  /** Selected messages: the IDs picked, or every match of the filter. */
  count: number;
  isSelected(id: string): boolean;
  /** Space or a click on a checkbox: one message in or out; the row becomes the anchor of a later range. */
  toggle(index: number, id: string): void;
  /** Shift-click or Shift+arrow: every row from the anchor to this one is selected (pages not seen yet are fetched). */
  extendTo(index: number, id: string): Promise<void>;
  selectAllMatching(): void;
  clear(): void;
  /** What an action applies to, in the contract's words; null when nothing is selected. */
  toSelection(filter: QueueFilter): QueueSelection | null;
  /** Why the last range could not be selected, for the operator. */
  problem: string | null;
}

const none: State = { by: 'ids', ids: new Set(), anchor: null };

/** Which messages the operator picked in the queue table. */
export function useQueueSelection(rows: Pick<QueueRows, 'matched' | 'idsBetween'>): SelectionController {
  const [state, setState] = useState<State>(none);
  const [problem, setProblem] = useState<string | null>(null);
  const { matched, idsBetween } = rows;

  const toggle = useCallback((index: number, id: string) => {
    setProblem(null);
    setState((current) => {
      if (current.by === 'filter') return current;
      const ids = new Set(current.ids);
      if (ids.has(id)) ids.delete(id);
      else if (ids.size < MAX_SELECTED_IDS) ids.add(id);
      return { by: 'ids', ids, anchor: index };
    });
  }, []);

  const extendTo = useCallback(
    async (index: number, id: string) => {
      if (state.by === 'filter') return;
      if (state.anchor === null) {
        toggle(index, id);
        return;
      }
      const ids = await idsBetween(state.anchor, index);
      if (ids === null) {
        setProblem('The queue was read again while the range was being selected: select the range again.');
        return;
      }
      setProblem(null);
      setState((current) => {
        if (current.by === 'filter') return current;
        const next = new Set(current.ids);
        for (const picked of ids) {
          if (next.size >= MAX_SELECTED_IDS) break;
          next.add(picked);
        }
        return { by: 'ids', ids: next, anchor: index };
      });
    },
    [state, idsBetween, toggle],
  );

  const selectAllMatching = useCallback(() => {
    setProblem(null);
    setState({ by: 'filter' });
  }, []);
  const clear = useCallback(() => {
    setProblem(null);
    setState(none);
  }, []);

  return useMemo(
    () => ({
      by: state.by,
      count: state.by === 'filter' ? matched : state.ids.size,
      isSelected: (id: string) => state.by === 'filter' || state.ids.has(id),
      toggle,
      extendTo,
      selectAllMatching,
      clear,
      toSelection: (filter: QueueFilter): QueueSelection | null => {
        if (state.by === 'filter') return { by: 'filter', filter };
        return state.ids.size > 0 ? { by: 'ids', ids: [...state.ids] } : null;
      },
      problem,
    }),
    [state, matched, toggle, extendTo, selectAllMatching, clear, problem],
  );
}
