import { useI18n } from '../../i18n';
import { packLimit, type Pack, type Wallet } from '../../lib/billing';
import { formatCredits } from '../../lib/money';
import { Credits } from './Credits';

/** The packs on sale, each with a Buy button (the page asks before buying); a pack with a per-user
 * limit says how many the user bought, and one bought that many times cannot be bought again. */
export function PackStore({
  packs,
  wallet,
  busy,
  onBuy,
}: {
  packs: Pack[];
  wallet?: Pick<Wallet, 'pack_purchases'> | null;
  busy: boolean;
  onBuy: (pack: Pack) => void;
}) {
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
      {packs.map((p) => {
        const limit = packLimit(p, wallet);
        return (
          <li key={p.id} className="tile" data-testid="pack" data-pack-id={p.id} data-name={p.name}>
            <h3>{p.name}</h3>
            <p className="tile-price">{tn('wallet.packPrice', { price: <Credits uc={p.price} /> })}</p>
            <p className="small">
              {p.kind === 'count'
                ? t('wallet.packCalls', { calls: p.calls, models: p.models.length ? p.models.join(', ') : t('billing.allModels') })
                : t('wallet.packCredits', { credits: formatCredits(p.credits) })}
            </p>
            <p className="muted small">{p.valid_days > 0 ? t('wallet.validDays', { days: p.valid_days }) : t('wallet.noExpiry')}</p>
            {limit && (
              <p className={`small ${limit.reached ? '' : 'muted'}`} data-testid="pack-limit" data-bought={limit.bought} data-limit={limit.limit}>
                {t(limit.reached ? 'wallet.packLimitReached' : 'wallet.packLimit', { limit: limit.limit, bought: limit.bought })}
              </p>
            )}
            <button
              type="button"
              className="button primary block"
              disabled={busy || !!limit?.reached}
              onClick={() => onBuy(p)}
              data-testid="pack-buy"
            >
              {limit?.reached ? t('wallet.packSoldOut') : t('wallet.buy')}
            </button>
          </li>
        );
      })}
    </ul>
  );
}
