// The new chat's welcome: what the chosen model is, as the operator's catalogue describes it (its
// icon, description, tags, context length, whether it reads images), so users pick knowing.
import { SparkIcon } from '../Icons';
import { useI18n } from '../../i18n';
import type { ChatModel } from '../../lib/api';
import { readsImages } from '../../lib/chatImages';
import { emojiIcon, siteImageIcon } from './chatMessages';
import { priceFacts } from './modelPrice';

export function ModelIntro({ model }: { model: ChatModel | undefined }) {
  const { t, lang } = useI18n();
  const icon = model?.icon ?? '';
  const tags = model?.tags ?? [];
  const context = model?.context_length ?? 0;
  const prices = priceFacts(model?.price, t);
  return (
    <div className="chat-empty" data-testid="chat-welcome">
      <div className="chat-empty-icon" aria-hidden="true">
        {emojiIcon(icon) ? <span className="model-emoji">{icon}</span> : siteImageIcon(icon) ? <img src={icon} alt="" /> : <SparkIcon />}
      </div>
      <h2>{t('chat.welcomeTitle')}</h2>
      <p className="muted">{model ? t('chat.welcomeModel', { model: model.name || model.id }) : t('chat.welcomeBody')}</p>
      {model?.description && (
        <p className="model-intro-description" data-testid="model-intro-description">
          {model.description}
        </p>
      )}
      {model && (tags.length > 0 || context > 0 || !readsImages(model) || prices.length > 0) && (
        <div className="chips model-intro-facts" data-testid="model-intro-facts">
          {tags.map((tag) => (
            <span key={tag} className="chip">
              {tag}
            </span>
          ))}
          {context > 0 && (
            <span className="chip">{t('chat.contextLength', { n: new Intl.NumberFormat(lang === 'zh' ? 'zh-CN' : 'en').format(context) })}</span>
          )}
          {!readsImages(model) && <span className="chip">{t('chat.textOnlyModel')}</span>}
          {prices.map((fact) => (
            <span key={fact} className="chip" data-testid="model-intro-price">
              {fact}
            </span>
          ))}
        </div>
      )}
    </div>
  );
}
