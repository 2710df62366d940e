import { langTags, useI18n } from '../../i18n';

/** A count in short form for people ("1.2K", "1.2万"); the exact number is in data-n and the tooltip. */
export function Count({ n, testId }: { n: number; testId?: string }) {
  const { lang } = useI18n();
  const tag = langTags[lang];
  const short = new Intl.NumberFormat(tag, { notation: 'compact', maximumFractionDigits: 1 }).format(n);
  return (
    <span className="num" data-testid={testId} data-n={n} title={new Intl.NumberFormat(tag).format(n)}>
      {short}
    </span>
  );
}
