// The square keeps its search, filters, sort, page and view in the address, so Back, reload and a
// shared link all show the same list.
import { squareSorts, type SquareFilters, type SquareSort } from './apps';

export interface SquareState extends SquareFilters {
  /** Show my favorites instead of the search results. */
  favorites: boolean;
}

export const defaultSquare: SquareState = { q: '', tag: '', category: '', author: '', sort: 'trending', page: 1, favorites: false };

export function squareStateOf(search: string): SquareState {
  const p = new URLSearchParams(search);
  const sort = p.get('sort') as SquareSort | null;
  const page = Number(p.get('page'));
  return {
    q: p.get('q') ?? '',
    tag: p.get('tag') ?? '',
    category: p.get('category') ?? '',
    author: p.get('author') ?? '',
    sort: sort && squareSorts.includes(sort) ? sort : 'trending',
    page: Number.isInteger(page) && page > 0 ? page : 1,
    favorites: p.get('view') === 'favorites',
  };
}

/** The /apps address for a state, leaving defaults out. */
export function squareHref(s: SquareState): string {
  const p = new URLSearchParams();
  if (s.favorites) p.set('view', 'favorites');
  if (s.q.trim()) p.set('q', s.q.trim());
  if (s.tag) p.set('tag', s.tag);
  if (s.category) p.set('category', s.category);
  if (s.author) p.set('author', s.author);
  if (s.sort !== 'trending') p.set('sort', s.sort);
  if (s.page > 1) p.set('page', String(s.page));
  const qs = p.toString();
  return qs ? `/apps?${qs}` : '/apps';
}

/** A filter change starts again from the first page. */
export function withFilter(s: SquareState, patch: Partial<Omit<SquareState, 'page'>>): SquareState {
  return { ...s, ...patch, page: 1 };
}

export function pageCount(total: number, perPage: number): number {
  return Math.max(1, Math.ceil(total / Math.max(1, perPage)));
}
