import { useEffect, useRef, useState } from 'react';
import { useI18n } from '../../i18n';
import { Alert } from '../Field';

/** A new batch's codes, shown once: the server keeps them, but this is the one place to copy them all. */
export function CodesPanel({ name, codes, csvUrl, onDone }: { name: string; codes: string[]; csvUrl: string; onDone: () => void }) {
  const { t } = useI18n();
  const [copied, setCopied] = useState<'yes' | 'failed' | null>(null);
  const areaRef = useRef<HTMLTextAreaElement>(null);
  const panelRef = useRef<HTMLDivElement>(null);
  const text = codes.join('\n');

  useEffect(() => {
    panelRef.current?.scrollIntoView({ block: 'nearest' });
  }, []);

  const copy = async () => {
    try {
      await navigator.clipboard.writeText(text);
      setCopied('yes');
    } catch {
      areaRef.current?.select();
      setCopied('failed');
    }
  };

  return (
    <div className="card secret-panel" ref={panelRef} role="region" aria-labelledby="codes-title" data-testid="codes-panel">
      <h2 id="codes-title">{t('redeem.codesTitle', { name, count: codes.length })}</h2>
      <Alert kind="warning">{t('redeem.codesWarning')}</Alert>
      <textarea
        ref={areaRef}
        className="mono codes"
        readOnly
        rows={Math.min(10, Math.max(3, codes.length))}
        value={text}
        spellCheck={false}
        aria-label={t('redeem.codes')}
        data-testid="codes"
        onFocus={(e) => e.currentTarget.select()}
      />
      {copied === 'failed' && <p className="field-error">{t('redeem.copyFailed')}</p>}
      <div className="actions-end">
        <a className="button secondary" href={csvUrl} download data-testid="codes-csv">
          {t('redeem.csv')}
        </a>
        <button type="button" className="button secondary" onClick={() => void copy()} data-testid="codes-copy">
          {copied === 'yes' ? t('keys.copied') : t('keys.copy')}
        </button>
        <button type="button" className="button primary" onClick={onDone} data-testid="codes-done">
          {t('keys.done')}
        </button>
      </div>
    </div>
  );
}
