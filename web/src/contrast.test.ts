// Text the stylesheet dims or tints must stay readable: WCAG AA asks 4.5:1 for text of its size,
// in both themes. Reads the theme variables and the rules from styles.css itself.
import { describe, expect, test } from 'vitest';
// The tests run in Node, but this browser project has no Node types; vitest gives CSS imports
// (even ?raw ones) no text, so the file is read as a file.
// @ts-expect-error node:fs has no types here
import { readFileSync } from 'node:fs';

const stylesheet: string = readFileSync(new URL('./styles.css', import.meta.url), 'utf8');

const css = stylesheet.replace(/\/\*[\s\S]*?\*\//g, '');

/** The declarations of the first rule whose selector is exactly `selector`. */
function rule(selector: string): Record<string, string> {
  const at = css.indexOf(`\n${selector} {`);
  if (at < 0) throw new Error(`no rule ${selector}`);
  const body = css.slice(css.indexOf('{', at) + 1, css.indexOf('}', at));
  return Object.fromEntries(
    body
      .split(';')
      .map((d) => d.split(/:(.*)/s).map((x) => x.trim()))
      .filter(([k, v]) => k && v),
  );
}

const themes = { light: rule(':root'), dark: rule(':root[data-theme="dark"]') };

function rgb(hex: string): number[] {
  const h = hex.replace('#', '');
  return [0, 2, 4].map((i) => parseInt(h.slice(i, i + 2), 16));
}
function luminance([r, g, b]: number[]): number {
  const f = (c: number) => ((c /= 255) <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4);
  return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
}
/** The contrast of a colour drawn at `opacity` over a background. */
function contrast(fg: string, bg: string, opacity = 1): number {
  const b = rgb(bg);
  const f = rgb(fg).map((c, i) => c * opacity + b[i] * (1 - opacity));
  const [hi, lo] = [luminance(f), luminance(b)].sort((x, y) => y - x);
  return (hi + 0.05) / (lo + 0.05);
}

/** A rule's colour (a theme variable) and opacity. */
function ink(selector: string, theme: Record<string, string>) {
  const r = rule(selector);
  const name = /var\((--[\w-]+)\)/.exec(r.color ?? '')?.[1];
  return { color: name ? theme[name] : theme['--fg'], background: /var\((--[\w-]+)\)/.exec(r.background ?? '')?.[1], opacity: Number(r.opacity ?? 1) };
}

describe.each(Object.entries(themes))('the %s theme', (_, theme) => {
  const pages = [theme['--bg'], theme['--bg-elev']];

  test('token counts under an answer', () => {
    const { color, opacity } = ink('.msg-tokens', theme);
    for (const bg of pages) expect(contrast(color, bg, opacity)).toBeGreaterThanOrEqual(4.5);
  });

  test.each(['.badge-active', '.badge-revoked', '.badge-expired', '.badge-admin', '.badge-neutral'])('the %s badge (Free, Revoked…)', (badge) => {
    const { color, background } = ink(badge, theme);
    expect(contrast(color, theme[background!])).toBeGreaterThanOrEqual(4.5);
  });

  test('dimmed table rows (cancelled usage, revoked keys), muted text in them included', () => {
    const dim = rule('.table tr.dim td:not(.cell-actions)');
    const opacity = Number(dim.opacity ?? 1);
    const color = /var\((--[\w-]+)\)/.exec(dim.color ?? '')?.[1];
    for (const text of [color ? theme[color] : theme['--fg'], theme['--fg-muted']])
      expect(contrast(text, theme['--bg-elev'], opacity)).toBeGreaterThanOrEqual(4.5);
  });
});
