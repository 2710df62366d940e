import { expect, test } from 'vitest';
import { translate } from '../../i18n';
import type { ModelPrice } from '../../lib/api';
import { priceFacts } from './modelPrice';

const en = (key: Parameters<typeof translate>[1], params?: Parameters<typeof translate>[2]) => translate('en', key, params);
const price = (over: Partial<ModelPrice>): ModelPrice => ({
  mode: 'free', per_call: 0, input_per_m: 0, output_per_m: 0, web_free: false, web_free_daily_cap: 0, ...over,
});

test('a model\'s price is said in credits, with the web\'s free use after it', () => {
  expect(priceFacts(undefined, en)).toEqual([]);
  expect(priceFacts(price({}), en)).toEqual(['free']);
  expect(priceFacts(price({ mode: 'per_call', per_call: 1_500 }), en)).toEqual(['0.0015 credits a message']);
  expect(priceFacts(price({ mode: 'per_token', input_per_m: 1_000_000, output_per_m: 2_500_000 }), en))
    .toEqual(['1 / 2.5 credits per million tokens in / out']);
  expect(priceFacts(price({ mode: 'per_call', per_call: 1_000, web_free: true, web_free_daily_cap: 1 }), en))
    .toEqual(['0.001 credits a message', 'free on the web for 1 message a day']);
  expect(priceFacts(price({ mode: 'per_call', per_call: 1_000, web_free: true }), en)).toEqual(['0.001 credits a message', 'free on the web']);
});
