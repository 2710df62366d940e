import { useI18n } from '../../i18n';
import type { Preset } from '../../lib/apps';

/** An app's preset as plain text (shown to its owner and admins, or to everyone when not hidden). */
export function PresetView({ preset }: { preset: Preset }) {
  const { t } = useI18n();
  return (
    <dl className="preset-view">
      {preset.system_prompt && (
        <>
          <dt>{t('studio.systemPrompt')}</dt>
          <dd>
            <pre className="pre-wrap" data-testid="preset-system-prompt">
              {preset.system_prompt}
            </pre>
          </dd>
        </>
      )}
      {preset.prefix_messages.length > 0 && (
        <>
          <dt>{t('studio.prefixMessages')}</dt>
          <dd>
            <ol className="plain-list tight">
              {preset.prefix_messages.map((m, i) => (
                <li key={i}>
                  <span className="badge badge-neutral">{m.role}</span> <span className="pre-wrap">{m.content}</span>
                </li>
              ))}
            </ol>
          </dd>
        </>
      )}
      {preset.suffix && (
        <>
          <dt>{t('studio.suffix')}</dt>
          <dd>
            <pre className="pre-wrap">{preset.suffix}</pre>
          </dd>
        </>
      )}
    </dl>
  );
}
