// The studio's editor for one app: everything people see (title, avatar, tags, description,
// instructions, opening message, suggested questions), the models, who may use it and what it
// costs, and the preset that shapes its answers. Save keeps a draft; "Save and submit" also sends
// it to review.
import { useEffect, useMemo, useRef, useState } from 'react';
import { useI18n, type MessageKey } from '../../i18n';
import type { ChatModel } from '../../lib/api';
import { appsApi, pricingModes, type App, type PricingMode, type Visibility } from '../../lib/apps';
import {
  bodyOf,
  formFieldOf,
  formOf,
  validateBytes,
  validateEntries,
  validateParameters,
  validatePlanLevel,
  validateSlug,
  validateTitle,
  visibilities,
  type AppFormExtras,
  type AppFormKey,
  type AppFormValues,
} from '../../lib/appForm';
import { describeError } from '../../lib/errors';
import { hasPrice, hasSurcharge, ppmToPercent, validatePrice, validateSurcharge } from '../../lib/pricing';
import { useForm, type Validator } from '../../lib/useForm';
import { useSubmit } from '../../lib/useSubmit';
import { parseKeyLines, parseList } from '../../lib/validation';
import { Alert, bindField, Field, SelectField, TextAreaField } from '../Field';
import { AvatarInput } from './AvatarInput';
import { AllowedModels } from './ModelChoice';
import { PrefixMessagesEditor } from './PrefixMessagesEditor';

// The server's limits (services/apps.cpp), checked here first so mistakes show before saving.
const validators: Partial<Record<AppFormKey, Validator<AppFormValues>>> = {
  slug: (v) => validateSlug(v.slug),
  title: (v) => validateTitle(v.title),
  avatar: (v) => validateBytes(v.avatar, 300),
  category: (v) => validateBytes(v.category, 50),
  tags: (v) => validateEntries(parseList(v.tags), 10, 30),
  description: (v) => validateBytes(v.description, 1000),
  instructions: (v) => validateBytes(v.instructions, 20000),
  opening_message: (v) => validateBytes(v.opening_message, 4000),
  suggested_questions: (v) => validateEntries(parseKeyLines(v.suggested_questions), 8, 300),
  default_model: (v) => (v.default_model ? null : 'validate.required'),
  min_plan_level: (v) => validatePlanLevel(v.min_plan_level),
  parameters: (v) => validateParameters(v.parameters),
  pricing_price: (v) => validatePrice(v.pricing_mode, v.pricing_price),
  pricing_ppm: (v) => validateSurcharge(v.pricing_mode, v.pricing_ppm),
};

const pricingLabel: Record<PricingMode, MessageKey> = {
  free: 'studio.pricingFree',
  per_message: 'studio.pricingPerMessage',
  per_token: 'studio.pricingPerToken',
  one_time: 'studio.pricingOneTime',
};
const pricingHint: Record<PricingMode, MessageKey> = {
  free: 'studio.pricingFreeHint',
  per_message: 'studio.pricingPerMessageHint',
  per_token: 'studio.pricingPerTokenHint',
  one_time: 'studio.pricingOneTimeHint',
};

const visibilityLabel: Record<Visibility, MessageKey> = {
  public: 'studio.visibilityPublic',
  unlisted: 'studio.visibilityUnlisted',
  private: 'studio.visibilityPrivate',
};
const visibilityHint: Record<Visibility, MessageKey> = {
  public: 'studio.visibilityPublicHint',
  unlisted: 'studio.visibilityUnlistedHint',
  private: 'studio.visibilityPrivateHint',
};

export type SavedHow = 'created' | 'saved' | 'submitted';

export function AppForm({
  app,
  models,
  categories,
  creatorSharePpm,
  onSaved,
  onDirty,
}: {
  app: App | null;
  models: ChatModel[];
  categories: string[];
  /** The share of an app's price its creator earns (GET /api/studio/apps); unknown: not stated. */
  creatorSharePpm?: number;
  onSaved: (app: App, how: SavedHow) => void;
  /** Told whether the form differs from what was last saved (the preview answers from the saved draft). */
  onDirty?: (dirty: boolean) => void;
}) {
  const { t } = useI18n();
  const initial = useMemo(() => formOf(app), [app]);
  const form = useForm<AppFormKey>(initial.values, validators);
  const [extras, setExtras] = useState<AppFormExtras>(initial.extras);
  // The allowed models are checkboxes, not a form field: their server error is kept here.
  const [allowedError, setAllowedError] = useState<string | null>(null);
  const creating = app === null;
  // Which button sent the form: both are submit buttons so Enter and validation work alike.
  const intent = useRef<'save' | 'submit'>('save');
  const saved = useRef(JSON.stringify(bodyOf(initial.values, initial.extras, false)));
  const dirty = JSON.stringify(bodyOf(form.values, extras, false)) !== saved.current;
  useEffect(() => onDirty?.(dirty), [dirty, onDirty]);

  const { busy, error, submit } = useSubmit(
    form,
    async () => {
      setAllowedError(null);
      const body = bodyOf(form.values, extras, creating);
      let result = app === null ? await appsApi.create(body) : await appsApi.update(app.slug, body);
      saved.current = JSON.stringify(bodyOf(form.values, extras, false));
      if (intent.current === 'submit') {
        result = await appsApi.submit(result.slug);
        onSaved(result, 'submitted');
      } else onSaved(result, creating ? 'created' : 'saved');
    },
    {
      explain: (err) => {
        const d = describeError(err, t);
        const field = formFieldOf(d.field, form.values.pricing_mode);
        setAllowedError(field === 'allowed_models' ? d.message : null);
        return { message: d.message, field };
      },
    },
  );

  const modelIds = models.map((m) => m.id);
  const defaultChoices = form.values.default_model && !modelIds.includes(form.values.default_model) ? [...modelIds, form.values.default_model] : modelIds;

  return (
    <form className="app-form" onSubmit={submit} noValidate data-testid="app-form" data-dirty={dirty}>
      <section className="card">
        <h2>{t('studio.basics')}</h2>
        <div className="grid-2">
          {app === null ? (
            <Field {...bindField(form, 'slug')} label={t('studio.slug')} hint={t('studio.slugHint')} maxLength={40} autoComplete="off" spellCheck={false} />
          ) : (
            <div className="field">
              <span className="label-like">{t('studio.slug')}</span>
              <code className="mono" data-testid="app-slug">
                {app.slug}
              </code>
            </div>
          )}
          <Field {...bindField(form, 'title')} label={t('studio.appTitle')} maxLength={100} autoComplete="off" />
          <AvatarInput
            value={form.values.avatar}
            title={form.values.title}
            error={form.errorText('avatar')}
            onChange={(avatar) => form.setValues((v) => ({ ...v, avatar }))}
            onBlur={form.onBlur('avatar')}
          />
          <div>
            <Field {...bindField(form, 'category')} label={t('studio.category')} optional list="app-categories" maxLength={50} autoComplete="off" />
            <datalist id="app-categories">
              {categories.map((c) => (
                <option key={c} value={c} />
              ))}
            </datalist>
          </div>
        </div>
        <Field {...bindField(form, 'tags')} label={t('studio.tags')} optional hint={t('studio.tagsHint')} autoComplete="off" />
        <TextAreaField {...bindField(form, 'description')} label={t('studio.description')} hint={t('studio.descriptionHint')} rows={2} maxLength={1000} />
        <div className="grid-2">
          <SelectField {...bindField(form, 'visibility')} label={t('studio.visibility')} hint={t(visibilityHint[form.values.visibility as Visibility] ?? 'studio.visibilityPublicHint')}>
            {visibilities.map((v) => (
              <option key={v} value={v}>
                {t(visibilityLabel[v])}
              </option>
            ))}
          </SelectField>
          <Field {...bindField(form, 'min_plan_level')} type="number" min={0} max={100} inputMode="numeric" label={t('studio.minPlanLevel')} hint={t('studio.minPlanLevelHint')} />
        </div>
      </section>

      <section className="card" data-testid="pricing-section">
        <h2>{t('studio.pricingSection')}</h2>
        <p className="muted small" data-testid="pricing-intro">
          {creatorSharePpm === undefined ? t('studio.pricingIntro') : t('studio.pricingIntroShare', { share: ppmToPercent(creatorSharePpm) })}
        </p>
        <div className="grid-2">
          <SelectField
            {...bindField(form, 'pricing_mode')}
            label={t('studio.pricingMode')}
            hint={t(pricingHint[form.values.pricing_mode as PricingMode] ?? 'studio.pricingFreeHint')}
            data-testid="pricing-mode"
          >
            {pricingModes.map((m) => (
              <option key={m} value={m}>
                {t(pricingLabel[m])}
              </option>
            ))}
          </SelectField>
          {hasPrice(form.values.pricing_mode) && (
            <Field
              {...bindField(form, 'pricing_price')}
              label={t('studio.pricingPrice')}
              hint={t(form.values.pricing_mode === 'per_message' ? 'studio.pricingPerMessageRange' : 'studio.pricingOneTimeRange')}
              inputMode="decimal"
              autoComplete="off"
              placeholder={form.values.pricing_mode === 'per_message' ? '0.5' : '5'}
              data-testid="pricing-price"
            />
          )}
          {hasSurcharge(form.values.pricing_mode) && (
            <Field
              {...bindField(form, 'pricing_ppm')}
              label={t('studio.pricingPercent')}
              hint={t('studio.pricingPercentRange')}
              inputMode="decimal"
              autoComplete="off"
              placeholder="20"
              data-testid="pricing-ppm"
            />
          )}
        </div>
        <label className="check">
          <input
            type="checkbox"
            checked={extras.paying_only}
            onChange={(e) => setExtras((x) => ({ ...x, paying_only: e.target.checked }))}
            data-testid="pricing-paying-only"
          />
          {t('studio.payingOnly')}
        </label>
        <p className="muted small">{t('studio.payingOnlyHint')}</p>
      </section>

      <section className="card">
        <h2>{t('studio.chatSection')}</h2>
        <TextAreaField {...bindField(form, 'instructions')} label={t('studio.instructions')} optional hint={t('studio.instructionsHint')} rows={4} />
        <TextAreaField {...bindField(form, 'opening_message')} label={t('studio.openingMessage')} optional rows={2} />
        <TextAreaField {...bindField(form, 'suggested_questions')} label={t('studio.suggestedQuestions')} optional hint={t('studio.suggestedQuestionsHint')} rows={3} />
        <SelectField {...bindField(form, 'default_model')} label={t('studio.defaultModel')}>
          <option value="">{t('redeem.choose')}</option>
          {defaultChoices.map((id) => (
            <option key={id} value={id}>
              {models.find((m) => m.id === id)?.name || id}
            </option>
          ))}
        </SelectField>
        <AllowedModels
          models={models}
          selected={extras.allowed_models}
          defaultModel={form.values.default_model}
          error={allowedError}
          onChange={(allowed_models) => {
            setAllowedError(null);
            setExtras((x) => ({ ...x, allowed_models }));
          }}
        />
      </section>

      <section className="card">
        <h2>{t('studio.presetSection')}</h2>
        <p className="muted small">{t('studio.presetIntro')}</p>
        <label className="check">
          <input type="checkbox" checked={extras.hide_preset} onChange={(e) => setExtras((x) => ({ ...x, hide_preset: e.target.checked }))} data-testid="field-hide_preset" />
          {t('studio.hidePreset')}
        </label>
        <TextAreaField {...bindField(form, 'system_prompt')} label={t('studio.systemPrompt')} optional rows={6} className="mono" />
        <PrefixMessagesEditor rows={extras.prefix_messages} onChange={(prefix_messages) => setExtras((x) => ({ ...x, prefix_messages }))} />
        <TextAreaField {...bindField(form, 'suffix')} label={t('studio.suffix')} optional hint={t('studio.suffixHint')} rows={2} className="mono" />
        <details className="advanced">
          <summary>{t('studio.advanced')}</summary>
          <TextAreaField {...bindField(form, 'parameters')} label={t('studio.parameters')} optional hint={t('studio.parametersHint')} rows={3} className="mono" spellCheck={false} />
        </details>
      </section>

      {error && (
        <Alert kind="error" testId="form-error">
          {error}
        </Alert>
      )}
      <div className="actions-end sticky-actions">
        {dirty && !creating && <span className="muted small" data-testid="app-unsaved">{t('studio.unsaved')}</span>}
        <button type="submit" className="button secondary" disabled={busy} onClick={() => (intent.current = 'save')} data-testid="app-save">
          {busy && intent.current === 'save' ? t('channels.saving') : creating ? t('studio.create') : t('studio.save')}
        </button>
        <button type="submit" className="button primary" disabled={busy} onClick={() => (intent.current = 'submit')} data-testid="app-submit">
          {t('studio.saveAndSubmit')}
        </button>
      </div>
    </form>
  );
}
