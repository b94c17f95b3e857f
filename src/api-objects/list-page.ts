/**
 * One page of a cursor-paged list, from rows read with `limit + 1`: the extra row, when there, only
 * says that another page follows. Every list the API pages (videos, jobs, ledger entries) has this shape.
 */
export function listPage<Row, Item extends { id: string }>(
  rows: readonly Row[],
  limit: number,
  toItem: (row: Row) => Item,
) {
  const data = rows.slice(0, limit).map(toItem);
  return {
    object: 'list' as const,
    data,
    first_id: data[0]?.id ?? null,
    last_id: data.at(-1)?.id ?? null,
    has_more: rows.length > limit,
  };
}
