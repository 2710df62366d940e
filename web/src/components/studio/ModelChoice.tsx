import { useI18n } from '../../i18n';
import type { ChatModel } from '../../lib/api';

/** The models people may switch to in a chat with the app (besides its default one). */
export function AllowedModels({
  models,
  selected,
  defaultModel,
  error,
  onChange,
}: {
  models: ChatModel[];
  selected: string[];
  /** Always usable, so not offered again. */
  defaultModel: string;
  /** The server's refusal of one of them (a model the site no longer offers, say). */
  error?: string | null;
  onChange: (ids: string[]) => void;
}) {
  const { t } = useI18n();
  // Models the app allows that the catalogue no longer lists stay visible, so they can be removed.
  const ids = [...new Set([...models.map((m) => m.id), ...selected])].filter((id) => id !== defaultModel);
  const name = (id: string) => models.find((m) => m.id === id)?.name || id;
  return (
    <fieldset className={`allowances-editor${error ? ' has-error' : ''}`} data-testid="allowed-models">
      <legend>{t('studio.allowedModels')}</legend>
      <p className="hint">{t('studio.allowedModelsHint')}</p>
      {ids.length === 0 && <p className="muted small">{t('studio.noOtherModels')}</p>}
      <div className="check-grid">
        {ids.map((id) => (
          <label key={id} className="check">
            <input
              type="checkbox"
              checked={selected.includes(id)}
              onChange={(e) => onChange(e.target.checked ? [...selected, id] : selected.filter((x) => x !== id))}
              data-testid="allowed-model"
              data-model={id}
            />
            {name(id)}
          </label>
        ))}
      </div>
      {error && (
        <p className="field-error" data-testid="error-allowed_models">
          {error}
        </p>
      )}
    </fieldset>
  );
}
