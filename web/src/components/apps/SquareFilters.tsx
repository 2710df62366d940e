// The square's search box, category and tag chips and sort menu. Every change is a new address
// (see squareUrl.ts), so the page just follows the URL.
import { useEffect, useState } from 'react';
import { useI18n, type MessageKey } from '../../i18n';
import { squareSorts, type NameCount, type SquareSort } from '../../lib/apps';
import { categoryLabel } from '../../lib/labels';
import { withFilter, type SquareState } from '../../lib/squareUrl';

const sortLabel: Record<SquareSort, MessageKey> = {
  trending: 'apps.sortTrending',
  most_used: 'apps.sortMostUsed',
  newest: 'apps.sortNewest',
  top_rated: 'apps.sortTopRated',
};

function Chips({
  label,
  items,
  selected,
  testId,
  onPick,
  nameOf = (name) => name,
}: {
  label: string;
  items: NameCount[];
  selected: string;
  testId: string;
  onPick: (name: string) => void;
  /** What a chip shows for a name (data-name keeps the name itself). */
  nameOf?: (name: string) => string;
}) {
  const { t } = useI18n();
  if (items.length === 0) return null;
  return (
    <div className="chip-row" role="group" aria-label={label}>
      <span className="chip-row-label">{label}</span>
      <button type="button" className={selected === '' ? 'filter-chip active' : 'filter-chip'} aria-pressed={selected === ''} onClick={() => onPick('')} data-testid={`${testId}-all`}>
        {t('apps.all')}
      </button>
      {items.map((c) => (
        <button
          key={c.name}
          type="button"
          className={selected === c.name ? 'filter-chip active' : 'filter-chip'}
          aria-pressed={selected === c.name}
          onClick={() => onPick(selected === c.name ? '' : c.name)}
          data-testid={testId}
          data-name={c.name}
        >
          {nameOf(c.name)} <span className="muted">{c.count}</span>
        </button>
      ))}
    </div>
  );
}

export function SquareFilters({
  state,
  categories,
  tags,
  onChange,
}: {
  state: SquareState;
  categories: NameCount[];
  tags: NameCount[];
  onChange: (s: SquareState) => void;
}) {
  const { t } = useI18n();
  const [q, setQ] = useState(state.q);
  useEffect(() => setQ(state.q), [state.q]);

  return (
    <div className="square-filters" data-testid="square-filters">
      <div className="row wrap">
        <form
          className="search-bar grow"
          role="search"
          onSubmit={(e) => {
            e.preventDefault();
            onChange(withFilter(state, { q: q.trim(), favorites: false }));
          }}
        >
          <label htmlFor="square-search" className="sr-only">
            {t('apps.search')}
          </label>
          <input
            id="square-search"
            type="search"
            value={q}
            placeholder={t('apps.searchPlaceholder')}
            onChange={(e) => setQ(e.target.value)}
            enterKeyHint="search"
            data-testid="square-search"
          />
          <button type="submit" className="button primary" data-testid="square-search-submit">
            {t('apps.searchSubmit')}
          </button>
        </form>
        <label className="sort-select">
          <span className="muted small">{t('apps.sort')}</span>
          <select
            value={state.sort}
            onChange={(e) => onChange(withFilter(state, { sort: e.target.value as SquareSort }))}
            data-testid="square-sort"
          >
            {squareSorts.map((s) => (
              <option key={s} value={s}>
                {t(sortLabel[s])}
              </option>
            ))}
          </select>
        </label>
      </div>
      <Chips label={t('apps.categories')} items={categories} selected={state.category} testId="category-chip" onPick={(category) => onChange(withFilter(state, { category }))} nameOf={(c) => categoryLabel(c, t)} />
      <Chips label={t('apps.tags')} items={tags} selected={state.tag} testId="tag-chip" onPick={(tag) => onChange(withFilter(state, { tag }))} />
    </div>
  );
}
