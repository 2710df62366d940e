import { useEffect, useRef } from 'react';
import { useI18n, type MessageKey } from '../i18n';
import { NavLink, useRouter } from '../lib/router';

const tabs: { to: string; label: MessageKey; testId: string }[] = [
  { to: '/admin/users', label: 'admin.tabUsers', testId: 'admin-tab-users' },
  { to: '/admin/channels', label: 'admin.tabChannels', testId: 'admin-tab-channels' },
  { to: '/admin/models', label: 'admin.tabModels', testId: 'admin-tab-models' },
  { to: '/admin/prices', label: 'admin.tabPrices', testId: 'admin-tab-prices' },
  { to: '/admin/plans', label: 'admin.tabPlans', testId: 'admin-tab-plans' },
  { to: '/admin/packs', label: 'admin.tabPacks', testId: 'admin-tab-packs' },
  { to: '/admin/redeem', label: 'admin.tabRedeem', testId: 'admin-tab-redeem' },
  { to: '/admin/revenue', label: 'admin.tabRevenue', testId: 'admin-tab-revenue' },
  { to: '/admin/payments', label: 'admin.tabPayments', testId: 'admin-tab-payments' },
  { to: '/admin/settlements', label: 'admin.tabSettlements', testId: 'admin-tab-settlements' },
  { to: '/admin/payouts', label: 'admin.tabPayouts', testId: 'admin-tab-payouts' },
  { to: '/admin/reviews', label: 'admin.tabReviews', testId: 'admin-tab-reviews' },
  { to: '/admin/moderation', label: 'admin.tabModeration', testId: 'admin-tab-moderation' },
  { to: '/admin/requests', label: 'admin.tabRequests', testId: 'admin-tab-requests' },
  { to: '/admin/audit', label: 'admin.tabAudit', testId: 'admin-tab-audit' },
];

/**
 * The admin area's sections, shown at the top of each admin page. Wide screens show them all (they
 * wrap); on phones they are one scrolling strip, moved so the current section is in view.
 */
export function AdminTabs() {
  const { t } = useI18n();
  const { pathname } = useRouter();
  const ref = useRef<HTMLElement>(null);
  useEffect(() => {
    const nav = ref.current;
    const active = nav?.querySelector<HTMLElement>('.tab.active');
    if (!nav || !active || nav.scrollWidth <= nav.clientWidth) return;
    const n = nav.getBoundingClientRect();
    const a = active.getBoundingClientRect();
    nav.scrollLeft += a.left - n.left - (n.width - a.width) / 2;
  }, [pathname]);
  return (
    <nav ref={ref} className="tabs" aria-label={t('nav.admin')} data-testid="admin-tabs">
      {tabs.map((tab) => (
        <NavLink key={tab.to} to={tab.to} className="tab" data-testid={tab.testId}>
          {t(tab.label)}
        </NavLink>
      ))}
    </nav>
  );
}
