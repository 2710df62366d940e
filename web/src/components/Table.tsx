// Small pieces shared by the admin and key tables: the header row and the small row buttons.
import type { ButtonHTMLAttributes } from 'react';
import { useI18n } from '../i18n';

/** A table's header row; `actions` adds a last column for row buttons, named for screen readers only. */
export function TableHead({ columns, actions }: { columns: string[]; actions?: boolean }) {
  const { t } = useI18n();
  return (
    <thead>
      <tr>
        {columns.map((c, i) => (
          <th scope="col" key={i}>
            {c}
          </th>
        ))}
        {actions && (
          <th scope="col">
            <span className="sr-only">{t('admin.colActions')}</span>
          </th>
        )}
      </tr>
    </thead>
  );
}

interface SmallButtonProps extends Omit<ButtonHTMLAttributes<HTMLButtonElement>, 'type' | 'className'> {
  kind: 'primary' | 'secondary' | 'danger-ghost';
}

/** A small button acting on one table row or list item (or paging the table). */
export function SmallButton({ kind, ...rest }: SmallButtonProps) {
  return <button type="button" className={`button ${kind} small`} {...rest} />;
}
