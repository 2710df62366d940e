import { useI18n } from '../i18n';
import { SmallButton } from './Table';

/** Previous / "page X of Y" / Next under a paged list (test ids PREFIX-prev, PREFIX-page, PREFIX-next). */
export function Pager({ page, pages, testIdPrefix, onPage }: { page: number; pages: number; testIdPrefix: string; onPage: (page: number) => void }) {
  const { t } = useI18n();
  if (pages <= 1) return null;
  return (
    <nav className="pager" aria-label={t('admin.pagination')}>
      <SmallButton kind="secondary" disabled={page <= 1} onClick={() => onPage(page - 1)} data-testid={`${testIdPrefix}-prev`}>
        {t('admin.prev')}
      </SmallButton>
      <span className="muted" data-testid={`${testIdPrefix}-page`} data-page={page} data-pages={pages}>
        {t('apps.pageOf', { page, pages })}
      </span>
      <SmallButton kind="secondary" disabled={page >= pages} onClick={() => onPage(page + 1)} data-testid={`${testIdPrefix}-next`}>
        {t('admin.next')}
      </SmallButton>
    </nav>
  );
}
