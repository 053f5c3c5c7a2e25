/**
 * Keeps every page a slice answers under PAGE_BUDGET_BYTES of JSON, whatever the rows
 * hold: rows past the budget are left for the next page (their cursor still points at
 * them), and one row always goes, so paging never stalls. With the text caps of
 * @shared/paging, the largest answer is max(budget, one row) — far from the host's cap.
 */
import { PAGE_BUDGET_BYTES } from '@shared/paging';

/**
 * The longest run of rows that fits the budget. `keep: 'first'` (chats: newest first,
 * the rest come after the last row's cursor); `keep: 'last'` (messages, oldest first:
 * the older rest come with `before` = the first row kept).
 */
export function fitPage<T>(rows: readonly T[], keep: 'first' | 'last', budget: number = PAGE_BUDGET_BYTES): T[] {
  const ordered = keep === 'first' ? rows : [...rows].reverse();
  let bytes = 2; // []
  let count = 0;
  for (const row of ordered) {
    const size = Buffer.byteLength(JSON.stringify(row)) + (count > 0 ? 1 : 0);
    if (count > 0 && bytes + size > budget) break;
    bytes += size;
    count++;
  }
  return keep === 'first' ? rows.slice(0, count) : rows.slice(rows.length - count);
}
