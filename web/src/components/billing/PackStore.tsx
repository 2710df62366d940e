import { useI18n } from '../../i18n';
import type { Pack } from '../../lib/billing';
import { formatCredits } from '../../lib/money';
import { Credits } from './Credits';

/** The packs on sale, each with a Buy button (the page asks before buying). */
export function PackStore({ packs, busy, onBuy }: { packs: Pack[]; busy: boolean; onBuy: (pack: Pack) => void }) {
  const { t, tn } = useI18n();
  if (packs.length === 0) {
    return (
      <p className="muted" data-testid="packs-none">
        {t('wallet.noPacks')}
      </p>
    );
  }
  return (
    <ul className="tiles" data-testid="packs">
      {packs.map((p) => (
        <li key={p.id} className="tile" data-testid="pack" data-pack-id={p.id} data-name={p.name}>
          <h3>{p.name}</h3>
          <p className="tile-price">{tn('wallet.packPrice', { price: <Credits uc={p.price} /> })}</p>
          <p className="small">
            {p.kind === 'count'
              ? t('wallet.packCalls', { calls: p.calls, models: p.models.length ? p.models.join(', ') : t('billing.allModels') })
              : t('wallet.packCredits', { credits: formatCredits(p.credits) })}
          </p>
          <p className="muted small">{p.valid_days > 0 ? t('wallet.validDays', { days: p.valid_days }) : t('wallet.noExpiry')}</p>
          <button type="button" className="button primary block" disabled={busy} onClick={() => onBuy(p)} data-testid="pack-buy">
            {t('wallet.buy')}
          </button>
        </li>
      ))}
    </ul>
  );
}
