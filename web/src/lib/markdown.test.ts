import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, test } from 'vitest';
import { Markdown } from '../components/Markdown';
import { highlight } from './highlight';
import { hiddenHost, parseInline, parseMarkdown, safeHref } from './markdown';

const html = (text: string) => renderToStaticMarkup(createElement(Markdown, { text }));

describe('escaping', () => {
  test('HTML in text is shown as text', () => {
    const out = html('Hi <script>alert(1)</script> and <img src=x onerror=alert(1)>');
    expect(out).not.toMatch(/<script/i);
    expect(out).not.toMatch(/<img/i);
    expect(out).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(out).toContain('&lt;img src=x onerror=alert(1)&gt;');
  });

  test('HTML blocks, attributes and entities stay inert', () => {
    const out = html('<div onclick="x()">hi</div>\n\n<iframe src="https://evil"></iframe>\n\n&lt;b&gt; "quotes" & \'apos\'');
    expect(out).not.toMatch(/<div onclick|<iframe/);
    expect(out).toContain('&lt;div onclick=&quot;x()&quot;&gt;');
    expect(out).toContain('&amp;lt;b&amp;gt;');
  });

  test('HTML inside inline code and code blocks is escaped', () => {
    const out = html('Use `<script>bad()</script>` here\n\n```html\n<script>alert("x")</script>\n<img src=x onerror=alert(1)>\n```');
    expect(out).not.toMatch(/<script|<img/i);
    expect(out).toContain('<code>&lt;script&gt;bad()&lt;/script&gt;</code>');
    expect(out).toContain('&lt;img');
    expect(out).toContain('alert(');
  });

  test('javascript:, data: and relative links lose their link, keep their words', () => {
    for (const href of ['javascript:alert(1)', 'JaVaScRiPt:alert(1)', ' javascript:alert(1)', 'data:text/html,<script>x</script>', 'vbscript:x', '/relative', '//evil.com', 'java\nscript:alert(1)']) {
      const out = html(`[click me](${href})`);
      expect(out, href).not.toMatch(/<a /);
      expect(out, href).toContain('click me');
    }
    expect(html('<javascript:alert(1)>')).not.toMatch(/<a /);
    expect(html('![x](javascript:alert(1))')).not.toMatch(/<a |<img/);
  });

  test('http(s) links open in a new tab without an opener', () => {
    const out = html('[docs](https://example.com/a?b=1&c=2 "Title") and https://plaza.test/x.');
    expect(out).toContain('<a href="https://example.com/a?b=1&amp;c=2" title="Title" target="_blank" rel="noopener noreferrer">docs</a>');
    expect(out).toContain('<a href="https://plaza.test/x" target="_blank" rel="noopener noreferrer">https://plaza.test/x</a>.');
  });

  test('images become links, never <img>', () => {
    const out = html('![a cat](https://example.com/cat.png)');
    expect(out).not.toMatch(/<img/);
    expect(out).toContain('<a href="https://example.com/cat.png"');
  });

  test('an attribute-breaking URL is escaped inside href', () => {
    const out = html('[x](https://example.com/"onmouseover="alert(1))');
    expect(out).not.toMatch(/" onmouseover=/);
  });

  test('safeHref', () => {
    expect(safeHref('https://a.b/c')).toBe('https://a.b/c');
    expect(safeHref('HTTP://a.b')).toBe('HTTP://a.b');
    expect(safeHref('javascript:alert(1)')).toBeNull();
    expect(safeHref('mailto:a@b.c')).toBeNull();
    expect(safeHref('https://')).toBeNull();
  });
});

describe('markdown', () => {
  test('the fake upstream sample', () => {
    const out = html('# Title\n\n**bold** and `code`\n\n```js\nconst x = 1;\n```');
    expect(out).toContain('<h1>Title</h1>');
    expect(out).toContain('<p><strong>bold</strong> and <code>code</code></p>');
    expect(out).toContain('data-testid="code-block" data-lang="js"');
    expect(out).toContain('data-testid="code-copy"');
    expect(out).toContain('<span class="tok-keyword">const</span> x = <span class="tok-number">1</span>;');
  });

  test('headings, emphasis, strikethrough, breaks', () => {
    expect(parseMarkdown('## Two ##')).toEqual([{ t: 'h', level: 2, c: [{ t: 'text', v: 'Two' }] }]);
    expect(html('Title\n===\n\nSub\n---')).toBe('<div class="md"><h1>Title</h1><h2>Sub</h2></div>');
    expect(html('*a* _b_ ***c*** ~~d~~ snake_case_name 2*3*4')).toBe(
      '<div class="md"><p><em>a</em> <em>b</em> <strong><em>c</em></strong> <del>d</del> snake_case_name 2<em>3</em>4</p></div>',
    );
    expect(html('**a *b* c**')).toBe('<div class="md"><p><strong>a <em>b</em> c</strong></p></div>');
    expect(html('*a **b** c*')).toBe('<div class="md"><p><em>a <strong>b</strong> c</em></p></div>');
    expect(html('line one\nline two')).toBe('<div class="md"><p>line one<br/>line two</p></div>');
    expect(html('not ** bold ** and \\*escaped\\*')).toBe('<div class="md"><p>not ** bold ** and *escaped*</p></div>');
    expect(html('**unclosed')).toBe('<div class="md"><p>**unclosed</p></div>');
  });

  test('task lists show their boxes, checked or not, and nothing that can be ticked', () => {
    expect(html('- [ ] to do\n- [x] done\n- plain\n- [y] not a task')).toBe(
      '<div class="md"><ul><li class="md-task"><input type="checkbox" disabled=""/><span class="md-tight">to do</span></li>' +
        '<li class="md-task"><input type="checkbox" disabled="" checked=""/><span class="md-tight">done</span></li>' +
        '<li><span class="md-tight">plain</span></li><li><span class="md-tight">[y] not a task</span></li></ul></div>',
    );
    expect(parseMarkdown('- [x]\n- a')[0]).not.toHaveProperty('tasks'); // a box with no text after it is text
    expect(html('1. [X] **bold** task')).toContain('<li class="md-task"><input type="checkbox" disabled="" checked=""/><span class="md-tight"><strong>bold</strong> task');
    expect(html('- [x] <script>alert(1)</script>')).toContain('&lt;script&gt;');
  });

  test('lists, nested lists and loose lists', () => {
    expect(html('- a\n- b\n  - c\n  - d\n- e')).toBe(
      '<div class="md"><ul><li><span class="md-tight">a</span></li><li><span class="md-tight">b</span><ul><li><span class="md-tight">c</span></li><li><span class="md-tight">d</span></li></ul></li><li><span class="md-tight">e</span></li></ul></div>',
    );
    expect(html('3. three\n4. four')).toBe(
      '<div class="md"><ol start="3"><li><span class="md-tight">three</span></li><li><span class="md-tight">four</span></li></ol></div>',
    );
    expect(html('1. one\n\n2. two')).toBe('<div class="md"><ol><li><p>one</p></li><li><p>two</p></li></ol></div>');
    expect(html('Intro:\n- x\n- y')).toBe(
      '<div class="md"><p>Intro:</p><ul><li><span class="md-tight">x</span></li><li><span class="md-tight">y</span></li></ul></div>',
    );
    expect(html('1. a\n   ```py\n   print(1)\n   ```')).toContain('<li><span class="md-tight">a</span><div class="md-code"');
  });

  test('quotes, rules and tables', () => {
    expect(html('> quoted\n> **text**')).toBe('<div class="md"><blockquote><p>quoted<br/><strong>text</strong></p></blockquote></div>');
    expect(html('a\n\n---\n\nb')).toBe('<div class="md"><p>a</p><hr/><p>b</p></div>');
    expect(html('| a | b |\n|:--|--:|\n| 1 | `x\\|y` |')).toBe(
      '<div class="md"><div class="md-table"><table><thead><tr><th class="align-left">a</th><th class="align-right">b</th></tr></thead><tbody><tr><td class="align-left">1</td><td class="align-right"><code>x|y</code></td></tr></tbody></table></div></div>',
    );
  });

  test('an unclosed fence (a half-streamed answer) runs to the end', () => {
    expect(parseMarkdown('text\n```py\nprint(1)\n')).toEqual([
      { t: 'p', c: [{ t: 'text', v: 'text' }] },
      { t: 'code', lang: 'py', v: 'print(1)\n' },
    ]);
  });

  test('inline code keeps its content verbatim', () => {
    expect(parseInline('`` a ` b `` and `*x*`')).toEqual([
      { t: 'code', v: 'a ` b' },
      { t: 'text', v: ' and ' },
      { t: 'code', v: '*x*' },
    ]);
  });

  test('deeply nested input does not blow the stack', () => {
    expect(() => html('>'.repeat(5000) + ' x')).not.toThrow();
    expect(() => html('['.repeat(5000) + 'x' + ']'.repeat(5000))).not.toThrow();
    expect(() => html('- '.repeat(3000) + 'x')).not.toThrow();
    expect(() => html('*a '.repeat(3000))).not.toThrow();
  });
});

describe('highlight', () => {
  test('tokens cover the code exactly', () => {
    const code = 'def f(x):\n    # comment\n    return "s" + str(42) if x else None';
    const tokens = highlight(code, 'python');
    expect(tokens.map((t) => t.text).join('')).toBe(code);
    const kinds = Object.fromEntries(tokens.filter((t) => t.kind !== 'plain').map((t) => [t.text, t.kind]));
    expect(kinds).toMatchObject({ def: 'keyword', '# comment': 'comment', '"s"': 'string', '42': 'number', None: 'literal', str: 'function', return: 'keyword' });
  });
  test('unknown languages stay plain', () => {
    expect(highlight('<b>x</b>', 'klingon')).toEqual([{ kind: 'plain', text: '<b>x</b>' }]);
  });
});

// A model's answer (or an app's text) is parsed on every frame while it streams: input built to make
// the patterns backtrack must still be read in about linear time. Before the bounds these took 8 to
// 28 s (the test's time limit stops them); now well under one.
describe('input built to backtrack', () => {
  test('long keys in yaml, css and html are highlighted, and the tokens cover them', () => {
    for (const [code, lang] of [['a.'.repeat(50_000), 'yaml'], ['a.'.repeat(50_000), 'html'], ['a-'.repeat(50_000), 'css'], ['key: value\n', 'yaml']]) {
      expect(highlight(code, lang).map((t) => t.text).join('')).toBe(code);
    }
    expect(highlight('name: x', 'yaml')[0]).toEqual({ kind: 'attr', text: 'name' });
  });
  test('a long run of brackets or spaces is text', () => {
    const brackets = '['.repeat(20_000);
    expect(JSON.stringify(parseMarkdown(brackets))).toContain(brackets);
    const spaces = parseMarkdown('a|b\n' + ' '.repeat(20_000) + 'x');
    expect(spaces.some((b) => b.t === 'table')).toBe(false);
  });
});

describe('links whose words name another site', () => {
  test('show where they really go', () => {
    expect(hiddenHost('https://plaza.example/wallet', 'https://evil.example/x')).toBe('evil.example');
    expect(hiddenHost('www.plaza.example', 'https://evil.example')).toBe('evil.example');
    expect(hiddenHost('www.example.com', 'https://example.com/x')).toBeNull();
    expect(hiddenHost('Node.js', 'https://nodejs.org')).toBeNull();
    expect(hiddenHost('README.md', 'https://github.com/x/y')).toBeNull();
    expect(hiddenHost('https://plaza.example/wallet', 'https://plaza.example/other')).toBeNull();
    expect(hiddenHost('the docs', 'https://evil.example')).toBeNull();
    const out = html('[https://plaza.example/wallet](https://evil.example/steal)');
    expect(out).toContain('<span class="link-host"> (evil.example)</span>');
    expect(out.match(/<a /g)?.length).toBe(1); // the words are no link of their own
    expect(out).toContain('title="https://evil.example/steal"');
    expect(html('[the docs](https://docs.example)')).not.toContain('link-host');
  });
});
