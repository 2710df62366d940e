// A submission next to the live version, field by field, with the words moderation flagged
// highlighted wherever they appear (as <mark> elements, never as HTML).
import { useI18n, type MessageKey } from '../../i18n';
import { diffVersions, flaggedWords, type DiffField } from '../../lib/appDiff';
import type { AppContent, ModerationFlag } from '../../lib/apps';
import { markWords } from '../../lib/flagged';
import { TableHead } from '../Table';

export const fieldLabel: Record<DiffField, MessageKey> = {
  title: 'studio.appTitle',
  avatar: 'studio.avatar',
  tags: 'studio.tags',
  category: 'studio.category',
  description: 'studio.description',
  instructions: 'studio.instructions',
  opening_message: 'studio.openingMessage',
  suggested_questions: 'studio.suggestedQuestions',
  default_model: 'studio.defaultModel',
  allowed_models: 'studio.allowedModels',
  parameters: 'studio.parameters',
  visibility: 'studio.visibility',
  hide_preset: 'studio.hidePreset',
  min_plan_level: 'studio.minPlanLevel',
  'pricing.mode': 'studio.pricingMode',
  'pricing.price': 'studio.pricingPrice',
  'pricing.surcharge_ppm': 'studio.pricingPercent',
  'pricing.paying_only': 'studio.payingOnly',
  'preset.system_prompt': 'studio.systemPrompt',
  'preset.prefix_messages': 'studio.prefixMessages',
  'preset.suffix': 'studio.suffix',
};

function Marked({ text, words }: { text: string; words: string[] }) {
  const { t } = useI18n();
  if (!text) return <span className="muted">{t('review.emptyValue')}</span>;
  return (
    <span className="pre-wrap">
      {markWords(text, words).map((p, i) => (p.hit ? <mark key={i} data-testid="flag-hit">{p.text}</mark> : p.text))}
    </span>
  );
}

export function VersionDiff({ draft, live, flags }: { draft: AppContent; live: AppContent | null; flags: ModerationFlag[] }) {
  const { t } = useI18n();
  const changes = diffVersions(draft, live);
  const allWords = flags.map((f) => f.word);
  if (changes.length === 0) {
    return (
      <p className="muted" data-testid="diff-none">
        {t('review.noChanges')}
      </p>
    );
  }
  return (
    <table className="table responsive diff" data-testid="diff-table" data-first={live === null}>
      <TableHead columns={live === null ? [t('review.field'), t('review.submitted')] : [t('review.field'), t('review.live'), t('review.submitted')]} />
      <tbody>
        {changes.map((c) => {
          const flagged = flaggedWords(c.field, flags).length > 0;
          return (
            <tr key={c.field} className={flagged ? 'flagged' : undefined} data-testid="diff-row" data-field={c.field} data-flagged={flagged}>
              <th scope="row" className="diff-field">
                {t(fieldLabel[c.field])}
              </th>
              {live !== null && (
                <td data-label={t('review.live')} className="diff-before" data-testid="diff-before">
                  <Marked text={c.before ?? ''} words={[]} />
                </td>
              )}
              <td data-label={t('review.submitted')} className="diff-after" data-testid="diff-after">
                <Marked text={c.after} words={allWords} />
              </td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}
