import { useI18n } from '../i18n';
import { NavLink } from '../lib/router';

/** The admin area's sections, shown at the top of each admin page. */
export function AdminTabs() {
  const { t } = useI18n();
  return (
    <nav className="tabs" aria-label={t('nav.admin')} data-testid="admin-tabs">
      <NavLink to="/admin/users" className="tab" data-testid="admin-tab-users">
        {t('admin.tabUsers')}
      </NavLink>
      <NavLink to="/admin/channels" className="tab" data-testid="admin-tab-channels">
        {t('admin.tabChannels')}
      </NavLink>
      <NavLink to="/admin/models" className="tab" data-testid="admin-tab-models">
        {t('admin.tabModels')}
      </NavLink>
    </nav>
  );
}
