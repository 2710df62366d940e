// Coming back from the payment provider (/wallet?payment=<order id>[&cancelled=1]): reads the order,
// and while the provider has not confirmed it yet, reads it again every 2 s for up to a minute. Says
// how it went; once that is settled, the return's parameters leave the address (a reload does not
// ask again) and a paid order refreshes the balances.
import { useEffect, useRef, useState } from 'react';
import { useI18n } from '../../i18n';
import { describeError } from '../../lib/errors';
import { formatCredits } from '../../lib/money';
import {
  isFinal,
  parsePaymentReturn,
  paymentsApi,
  pollEveryMs,
  pollForMs,
  retryRead,
  returnView,
  searchWithoutPayment,
  shouldPoll,
  type PaymentOrder,
  type PaymentReturn as Return,
} from '../../lib/payments';
import { useRouter } from '../../lib/router';
import { Alert } from '../Field';

interface Progress {
  order: PaymentOrder | null;
  elapsed: number;
  error: string | null;
}

export function PaymentReturn({ onPaid }: { onPaid: () => void }) {
  const { t } = useI18n();
  const { pathname, search, navigate } = useRouter();
  // Kept once read: the address loses the parameters when the story is told.
  const [ret, setRet] = useState<Return | null>(() => parsePaymentReturn(search));
  const [progress, setProgress] = useState<Progress>({ order: null, elapsed: 0, error: null });
  const paid = useRef(onPaid);
  paid.current = onPaid;

  // A return arriving while the wallet is open (another top-up's address) starts again.
  useEffect(() => {
    const r = parsePaymentReturn(search);
    if (r && (r.id !== ret?.id || r.cancelled !== ret?.cancelled)) {
      setRet(r);
      setProgress({ order: null, elapsed: 0, error: null });
    }
  }, [search, ret]);

  useEffect(() => {
    if (!ret) return;
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const started = Date.now();
    const tick = async () => {
      const elapsed = Date.now() - started;
      try {
        // Back with Cancel: the order is closed, so it stops counting among the open top-ups.
        const order = await (ret.cancelled ? paymentsApi.cancel(ret.id) : paymentsApi.order(ret.id));
        if (stopped) return;
        const more = shouldPoll(order, ret.cancelled, elapsed);
        // Not asking again while pending on the success address: the wait is over.
        setProgress({ order, elapsed: more ? elapsed : Math.max(elapsed, pollForMs), error: null });
        if (order.status === 'paid') paid.current();
        if (more) timer = setTimeout(tick, pollEveryMs);
      } catch (e) {
        if (stopped) return;
        if (retryRead(e) && elapsed + pollEveryMs < pollForMs) timer = setTimeout(tick, pollEveryMs);
        else setProgress((p) => ({ ...p, elapsed, error: describeError(e, t).message }));
      }
    };
    void tick();
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
    // `t` is left out on purpose: a language switch must not start the wait again.
  }, [ret]);

  const view = progress.error ? null : returnView(progress.order, ret?.cancelled ?? false, progress.elapsed);
  const done = progress.error !== null || (view !== null && isFinal(view));

  useEffect(() => {
    if (done && parsePaymentReturn(search)) navigate(pathname + searchWithoutPayment(search), { replace: true });
  }, [done, search, pathname, navigate]);

  if (!ret) return null;
  const dismiss = () => setRet(null);
  if (progress.error) {
    return (
      <Alert kind="error" testId="payment-return" onDismiss={dismiss}>
        {progress.error}
      </Alert>
    );
  }
  const o = progress.order;
  const text = {
    loading: t('topUp.checking'),
    waiting: t('topUp.waiting'),
    paid: t('topUp.paid', { credits: formatCredits(o?.credits ?? 0) }),
    cancelled: t('topUp.cancelled'),
    expired: t('topUp.expired'),
    failed: t('topUp.failed', { order: ret.id }),
    unconfirmed: t('topUp.unconfirmed'),
  }[view ?? 'loading'];
  const kind = view === 'paid' ? 'success' : view === 'failed' ? 'error' : view === 'loading' || view === 'waiting' ? 'info' : 'warning';
  return (
    <div aria-live="polite" data-testid="payment-return-region">
      <Alert kind={kind} testId="payment-return" onDismiss={done ? dismiss : undefined}>
        <span data-testid="payment-return-state" data-state={view ?? 'error'} data-order={ret.id}>
          {text}
        </span>
      </Alert>
    </div>
  );
}
