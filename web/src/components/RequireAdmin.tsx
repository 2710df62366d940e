import type { ReactNode } from 'react';
import { useI18n } from '../i18n';
import { useAuth } from '../lib/auth';
import { Alert } from './Field';

/** Admin pages render for administrators only; anyone else is told so (the API refuses them anyway). */
export function RequireAdmin({ children }: { children: ReactNode }) {
  const { t } = useI18n();
  const { user } = useAuth();
  if (user?.role !== 'admin') {
    return (
      <section className="page narrow" data-testid="admin-forbidden">
        <Alert kind="error">{t('admin.forbidden')}</Alert>
      </section>
    );
  }
  return <>{children}</>;
}
