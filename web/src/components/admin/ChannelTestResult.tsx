// What a channel test found: a one-line summary and, for a channel with several keys, each key's
// answer, so a dead key is seen before a user's request finds it.
import { useI18n } from '../../i18n';
import type { ChannelTest, KeyTest } from '../../lib/api';

function keyOutcome(k: KeyTest, t: ReturnType<typeof useI18n>['t']): string {
  if (k.ok) return t('channels.testKeyOk', { ms: k.latency_ms });
  return k.error || (k.status ? `HTTP ${k.status}` : '—');
}

export function ChannelTestResult({ result }: { result: ChannelTest }) {
  const { t } = useI18n();
  const keys = result.keys ?? [];
  const failing = keys.filter((k) => k.tried && !k.ok).length;
  const untried = keys.filter((k) => !k.tried).length;
  const summary = result.ok
    ? t('channels.testOk', { ms: result.latency_ms, model: result.model })
    : keys.length > 1
      ? t('channels.testKeysFailed', { bad: failing, n: keys.length }) + (untried > 0 ? t('channels.testKeysUntried', { n: untried }) : '')
      : t('channels.testFailed', { error: result.error || (result.status ? `HTTP ${result.status}` : '—'), ms: result.latency_ms });
  return (
    <div className={`test-result ${result.ok ? 'ok' : 'bad'}`} role="status" data-testid="channel-test-result" data-ok={result.ok ? 'true' : 'false'}>
      {summary}
      {keys.length > 1 && (
        <ul className="test-keys">
          {keys.map((k) => (
            <li key={k.id} data-testid="channel-test-key" data-ok={k.ok ? 'true' : 'false'} data-tried={k.tried ? 'true' : 'false'}>
              <code className="mono">{k.hint}</code> {keyOutcome(k, t)}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
