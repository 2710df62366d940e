// Price multipliers per user group (a VIP group paying 0.8× the list price, say). A group
// without a row pays 1×. Multipliers are parts per million on the wire, typed as decimals.
import { useCallback, useState, type FormEvent } from 'react';
import { useI18n } from '../../i18n';
import { billingApi, type Group } from '../../lib/billing';
import { describeError } from '../../lib/errors';
import { formatCredits, formatMultiplier, parseMultiplier } from '../../lib/money';
import { useLoader } from '../../lib/useLoader';
import { LoadState } from '../billing/LoadState';
import { Alert } from '../Field';
import { TableHead } from '../Table';

const maxPpm = 100_000_000; // 100×: anything above is a typo

function validMultiplier(s: string): number | null {
  const ppm = parseMultiplier(s);
  return ppm !== null && ppm >= 0 && ppm <= maxPpm ? ppm : null;
}

function GroupRow({ group, onSave }: { group: Group; onSave: (name: string, ppm: number) => Promise<boolean> }) {
  const { t } = useI18n();
  const [value, setValue] = useState(formatCredits(group.multiplier_ppm));
  const [busy, setBusy] = useState(false);
  const ppm = validMultiplier(value);
  const dirty = ppm !== group.multiplier_ppm;
  const save = async (e: FormEvent) => {
    e.preventDefault();
    if (ppm === null || !dirty) return;
    setBusy(true);
    await onSave(group.name, ppm);
    setBusy(false);
  };
  return (
    <tr data-testid="group-row" data-name={group.name} data-ppm={group.multiplier_ppm}>
      <td data-label={t('groups.name')} className="strong">
        {group.name}
      </td>
      <td data-label={t('groups.multiplier')}>
        <form className="inline-form" onSubmit={save}>
          <input
            value={value}
            onChange={(e) => setValue(e.target.value)}
            inputMode="decimal"
            className="small-input"
            aria-label={`${t('groups.multiplier')}: ${group.name}`}
            aria-invalid={ppm === null || undefined}
            data-testid="group-multiplier"
          />
          <span className="muted">×</span>
          {dirty && (
            <button type="submit" className="button primary small" disabled={busy || ppm === null} data-testid="group-save">
              {t('common.save')}
            </button>
          )}
        </form>
      </td>
    </tr>
  );
}

export function GroupMultipliers() {
  const { t } = useI18n();
  const { data, error, reload, setData } = useLoader(useCallback(() => billingApi.groups().then((r) => r.groups), []));
  const [name, setName] = useState('');
  const [multiplier, setMultiplier] = useState('1');
  const [notice, setNotice] = useState<string | null>(null);
  const [saveError, setSaveError] = useState<string | null>(null);

  const save = async (group: string, ppm: number): Promise<boolean> => {
    setNotice(null);
    setSaveError(null);
    try {
      await billingApi.putGroup(group, ppm);
      setData((d) => {
        const rest = (d ?? []).filter((g) => g.name !== group);
        return [...rest, { name: group, multiplier_ppm: ppm }].sort((a, b) => a.name.localeCompare(b.name));
      });
      setNotice(t('groups.saved', { name: group, multiplier: formatMultiplier(ppm) }));
      return true;
    } catch (e) {
      setSaveError(describeError(e, t).message);
      return false;
    }
  };

  const add = async (e: FormEvent) => {
    e.preventDefault();
    const ppm = validMultiplier(multiplier);
    const n = name.trim();
    if (!n || /\s/.test(n) || ppm === null) {
      setSaveError(t('groups.invalid'));
      return;
    }
    if (await save(n, ppm)) {
      setName('');
      setMultiplier('1');
    }
  };

  return (
    <div className="card" data-testid="groups">
      <h2>{t('groups.title')}</h2>
      <p className="muted small">{t('groups.subtitle')}</p>
      <LoadState error={error} loading={!data} testId="groups-load" onRetry={reload} />
      {notice && (
        <Alert kind="success" testId="groups-notice" onDismiss={() => setNotice(null)}>
          {notice}
        </Alert>
      )}
      {saveError && (
        <Alert kind="error" testId="groups-error" onDismiss={() => setSaveError(null)}>
          {saveError}
        </Alert>
      )}
      {data && data.length > 0 && (
        <table className="table responsive" data-testid="groups-table">
          <TableHead columns={[t('groups.name'), t('groups.multiplier')]} />
          <tbody>
            {data.map((g) => (
              <GroupRow key={`${g.name}:${g.multiplier_ppm}`} group={g} onSave={save} />
            ))}
          </tbody>
        </table>
      )}
      <form className="inline-form wrap add-row" onSubmit={(e) => void add(e)} data-testid="group-add-form">
        <input
          value={name}
          onChange={(e) => setName(e.target.value)}
          placeholder={t('groups.name')}
          aria-label={t('groups.name')}
          maxLength={64}
          className="small-input wide"
          data-testid="group-add-name"
        />
        <input
          value={multiplier}
          onChange={(e) => setMultiplier(e.target.value)}
          inputMode="decimal"
          aria-label={t('groups.multiplier')}
          className="small-input"
          data-testid="group-add-multiplier"
        />
        <button type="submit" className="button secondary small" data-testid="group-add">
          {t('groups.add')}
        </button>
      </form>
    </div>
  );
}
