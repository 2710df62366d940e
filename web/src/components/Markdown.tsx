// Renders the Markdown tree from lib/markdown as React elements: text is always text, links
// open in a new tab without an opener, and code blocks get highlighting and a copy button.
import { memo, useMemo, useRef, useState, type ReactNode } from 'react';
import { useT } from '../i18n';
import { highlight } from '../lib/highlight';
import { hiddenHost, parseMarkdown, type Block, type Inline } from '../lib/markdown';
import { CheckIcon, CopyIcon } from './Icons';

/** Copies text, falling back to a hidden textarea where the async clipboard is refused. */
export async function copyToClipboard(text: string): Promise<boolean> {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    const ta = document.createElement('textarea');
    ta.value = text;
    ta.setAttribute('readonly', '');
    ta.className = 'offscreen';
    document.body.appendChild(ta);
    ta.select();
    let ok = false;
    try {
      ok = document.execCommand('copy');
    } catch {
      ok = false;
    }
    ta.remove();
    return ok;
  }
}

export function CopyButton({ text, testId, className, label }: { text: string; testId: string; className?: string; label?: string }) {
  const t = useT();
  const [state, setState] = useState<'idle' | 'copied' | 'failed'>('idle');
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  const copy = async () => {
    const ok = await copyToClipboard(text);
    setState(ok ? 'copied' : 'failed');
    clearTimeout(timer.current);
    timer.current = setTimeout(() => setState('idle'), 1800);
  };
  const shown = state === 'copied' ? t('chat.copied') : state === 'failed' ? t('chat.copyFailed') : (label ?? t('chat.copy'));
  return (
    <button
      type="button"
      className={className ?? 'icon-button small-text'}
      onClick={() => void copy()}
      data-testid={testId}
      data-state={state}
      aria-label={shown}
      title={shown}
    >
      {state === 'copied' ? <CheckIcon /> : <CopyIcon />}
      {label !== undefined || className === undefined ? <span>{shown}</span> : null}
    </button>
  );
}

const CodeBlock = memo(function CodeBlock({ code, lang }: { code: string; lang: string }) {
  const tokens = useMemo(() => highlight(code, lang), [code, lang]);
  return (
    <div className="md-code" data-testid="code-block" data-lang={lang || undefined}>
      <div className="md-code-bar">
        <span className="md-code-lang">{lang || 'text'}</span>
        <CopyButton text={code} testId="code-copy" />
      </div>
      <pre>
        <code>
          {tokens.map((tok, i) =>
            tok.kind === 'plain' ? (
              tok.text
            ) : (
              <span key={i} className={`tok-${tok.kind}`}>
                {tok.text}
              </span>
            ),
          )}
        </code>
      </pre>
    </div>
  );
});

function plainText(nodes: Inline[]): string {
  return nodes.map((n) => ('v' in n ? n.v : 'c' in n ? plainText(n.c) : '')).join('');
}

function inlines(nodes: Inline[]): ReactNode[] {
  return nodes.map((n, i) => {
    switch (n.t) {
      case 'text':
        return n.v;
      case 'code':
        return <code key={i}>{n.v}</code>;
      case 'strong':
        return <strong key={i}>{inlines(n.c)}</strong>;
      case 'em':
        return <em key={i}>{inlines(n.c)}</em>;
      case 'del':
        return <del key={i}>{inlines(n.c)}</del>;
      case 'br':
        return <br key={i} />;
      case 'link': {
        const real = hiddenHost(plainText(n.c), n.href);
        return (
          <a key={i} href={n.href} title={real ? n.href : n.title} target="_blank" rel="noopener noreferrer">
            {inlines(n.c)}
            {real && <span className="link-host"> ({real})</span>}
          </a>
        );
      }
    }
  });
}

function blocks(nodes: Block[], tight = false): ReactNode[] {
  return nodes.map((b, i) => {
    switch (b.t) {
      case 'p':
        return tight ? <span key={i} className="md-tight">{inlines(b.c)}</span> : <p key={i}>{inlines(b.c)}</p>;
      case 'h': {
        const H = `h${Math.min(6, b.level)}` as 'h1';
        return <H key={i}>{inlines(b.c)}</H>;
      }
      case 'code':
        return <CodeBlock key={i} code={b.v} lang={b.lang} />;
      case 'quote':
        return <blockquote key={i}>{blocks(b.c)}</blockquote>;
      case 'hr':
        return <hr key={i} />;
      case 'list': {
        const items = b.items.map((it, k) => {
          const done = b.tasks?.[k] ?? null;
          // A task's box is shown, not ticked here: the answer is the model's, not a list to keep.
          return done === null ? (
            <li key={k}>{blocks(it, b.tight)}</li>
          ) : (
            <li key={k} className="md-task">
              <input type="checkbox" checked={done} disabled />
              {blocks(it, b.tight)}
            </li>
          );
        });
        return b.ordered ? (
          <ol key={i} start={b.start !== 1 ? b.start : undefined}>
            {items}
          </ol>
        ) : (
          <ul key={i}>{items}</ul>
        );
      }
      case 'table':
        return (
          <div key={i} className="md-table">
            <table>
              <thead>
                <tr>
                  {b.head.map((h, k) => (
                    <th key={k} className={b.align[k] ? `align-${b.align[k]}` : undefined}>
                      {inlines(h)}
                    </th>
                  ))}
                </tr>
              </thead>
              <tbody>
                {b.rows.map((r, k) => (
                  <tr key={k}>
                    {r.map((c, m) => (
                      <td key={m} className={b.align[m] ? `align-${b.align[m]}` : undefined}>
                        {inlines(c)}
                      </td>
                    ))}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        );
    }
  });
}

export const Markdown = memo(function Markdown({ text }: { text: string }) {
  const tree = useMemo(() => parseMarkdown(text), [text]);
  return <div className="md">{blocks(tree)}</div>;
});
