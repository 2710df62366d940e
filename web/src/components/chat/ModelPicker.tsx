import { useI18n } from '../../i18n';
import type { ChatModel } from '../../lib/api';
import { emojiIcon, storeModel } from './chatMessages';

/**
 * The chat header's model menu; a choice is remembered for the next visit unless `remember` is
 * off (an app's models are the app's, not the reader's preference).
 */
export function ModelPicker({
  models,
  model,
  onChange,
  remember = true,
}: {
  models: ChatModel[];
  model: string;
  onChange: (id: string) => void;
  remember?: boolean;
}) {
  const { t } = useI18n();
  const selected = models.find((m) => m.id === model);
  return (
    <label className="model-picker">
      <span className="sr-only">{t('chat.model')}</span>
      <select
        value={model}
        onChange={(e) => {
          onChange(e.target.value);
          if (remember) storeModel(e.target.value);
        }}
        title={selected?.description || selected?.name}
        data-testid="model-picker"
      >
        {models.map((m) => (
          <option key={m.id} value={m.id}>
            {emojiIcon(m.icon) ? `${m.icon} ` : ''}
            {m.name || m.id}
          </option>
        ))}
      </select>
    </label>
  );
}
