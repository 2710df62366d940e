import { useI18n } from '../../i18n';
import type { PrefixMessage, PrefixRole } from '../../lib/apps';
import { SmallButton } from '../Table';

// The server takes example turns from the user and the assistant only (the system prompt is its own field).
const roles: PrefixRole[] = ['user', 'assistant'];

/** Example turns sent before every conversation with the app: a role and a text per row. */
export function PrefixMessagesEditor({ rows, onChange }: { rows: PrefixMessage[]; onChange: (rows: PrefixMessage[]) => void }) {
  const { t } = useI18n();
  const set = (i: number, patch: Partial<PrefixMessage>) => onChange(rows.map((r, j) => (j === i ? { ...r, ...patch } : r)));
  const roleLabel = (r: PrefixRole) => t(r === 'user' ? 'studio.roleUser' : 'studio.roleAssistant');
  return (
    <fieldset className="allowances-editor" data-testid="prefix-editor">
      <legend>{t('studio.prefixMessages')}</legend>
      <p className="hint">{t('studio.prefixHint')}</p>
      {rows.map((r, i) => (
        <div key={i} className="prefix-row" data-testid="prefix-row">
          <select value={r.role} onChange={(e) => set(i, { role: e.target.value as PrefixRole })} aria-label={`${t('studio.role')} ${i + 1}`} data-testid="prefix-role">
            {roles.map((role) => (
              <option key={role} value={role}>
                {roleLabel(role)}
              </option>
            ))}
          </select>
          <textarea
            rows={2}
            value={r.content}
            onChange={(e) => set(i, { content: e.target.value })}
            aria-label={`${t('studio.content')} ${i + 1}`}
            data-testid="prefix-content"
          />
          <SmallButton kind="danger-ghost" onClick={() => onChange(rows.filter((_, j) => j !== i))} aria-label={t('studio.removePrefix')} data-testid="prefix-remove">
            ×
          </SmallButton>
        </div>
      ))}
      <SmallButton
        kind="secondary"
        onClick={() => onChange([...rows, { role: rows.length % 2 === 0 ? 'user' : 'assistant', content: '' }])}
        data-testid="prefix-add"
      >
        {t('studio.addPrefix')}
      </SmallButton>
    </fieldset>
  );
}
