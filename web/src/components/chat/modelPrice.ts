// What a model costs, in words for the welcome, so a user learns it before a send is refused for
// want of credits rather than after.
import type { TFunction } from '../../i18n';
import type { ModelPrice } from '../../lib/api';
import { formatCredits } from '../../lib/money';

/** One short phrase per fact: the price, then the web's free use if the operator gives one. */
export function priceFacts(price: ModelPrice | undefined, t: TFunction): string[] {
  if (!price) return [];
  const facts: string[] = [];
  if (price.mode === 'free') facts.push(t('chat.priceFree'));
  else if (price.mode === 'per_call') facts.push(t('chat.pricePerCall', { credits: formatCredits(price.per_call) }));
  else facts.push(t('chat.pricePerToken', { input: formatCredits(price.input_per_m), output: formatCredits(price.output_per_m) }));
  if (price.web_free && price.mode !== 'free')
    facts.push(price.web_free_daily_cap > 0 ? t('chat.priceWebFreeCap', { n: price.web_free_daily_cap }) : t('chat.priceWebFree'));
  return facts;
}
