// A small syntax highlighter: it splits code into comment, string, number, keyword, literal,
// function and tag tokens for common languages. It returns plain tokens (the renderer wraps
// them in spans), so it can never produce markup from the code itself.

export type TokenKind = 'comment' | 'string' | 'number' | 'keyword' | 'literal' | 'function' | 'tag' | 'attr' | 'plain';
export interface Token {
  kind: TokenKind;
  text: string;
}

interface Grammar {
  comments: RegExp[];
  strings: RegExp[];
  keywords: Set<string>;
  literals: Set<string>;
  /** Identifiers followed by "(" are function names. */
  calls: boolean;
  /** Extra leading patterns (tags, attributes, variables) with their kinds. */
  extra?: [RegExp, TokenKind][];
  ident?: RegExp;
}

const words = (s: string) => new Set(s.split(/\s+/).filter(Boolean));

const dq = /"(?:[^"\\\n]|\\.)*"?/y;
const sq = /'(?:[^'\\\n]|\\.)*'?/y;
const bt = /`(?:[^`\\]|\\.)*`?/y;
const lineSlash = /\/\/[^\n]*/y;
const block = /\/\*[\s\S]*?(?:\*\/|$)/y;
const hash = /#[^\n]*/y;

const cLike = (keywords: string, literals = 'true false null', strings: RegExp[] = [dq, sq]): Grammar => ({
  comments: [lineSlash, block],
  strings,
  keywords: words(keywords),
  literals: words(literals),
  calls: true,
});

const js = cLike(
  `break case catch class const continue debugger default delete do else export extends finally for from function
   if import in instanceof let new of return static super switch this throw try typeof var void while with yield
   async await as interface type enum implements private protected public readonly declare namespace keyof satisfies`,
  'true false null undefined NaN Infinity',
  [dq, sq, bt],
);

const grammars: Record<string, Grammar> = {
  js,
  c: cLike(
    `auto break case char const continue default do double else enum extern float for goto if inline int long register
     restrict return short signed sizeof static struct switch typedef union unsigned void volatile while class namespace
     template typename public private protected virtual override final using new delete try catch throw operator
     constexpr noexcept nullptr this friend explicit mutable co_await co_return co_yield concept requires bool`,
    'true false NULL nullptr',
  ),
  java: cLike(
    `abstract assert boolean break byte case catch char class const continue default do double else enum extends final
     finally float for goto if implements import instanceof int interface long native new package private protected
     public return short static strictfp super switch synchronized this throw throws transient try void volatile while
     var record val fun object when is override data sealed companion lateinit`,
    'true false null',
  ),
  go: cLike(
    `break case chan const continue default defer else fallthrough for func go goto if import interface map package range
     return select struct switch type var`,
    'true false nil iota',
    [dq, bt, sq],
  ),
  rust: cLike(
    `as async await break const continue crate dyn else enum extern fn for if impl in let loop match mod move mut pub ref
     return self Self static struct super trait type unsafe use where while`,
    'true false None Some Ok Err',
  ),
  csharp: cLike(
    `abstract as base bool break byte case catch char checked class const continue decimal default delegate do double else
     enum event explicit extern finally fixed float for foreach goto if implicit in int interface internal is lock long
     namespace new object operator out override params private protected public readonly ref return sbyte sealed short
     sizeof stackalloc static string struct switch this throw try typeof uint ulong unchecked unsafe ushort using virtual
     void volatile while var async await`,
    'true false null',
  ),
  php: { ...cLike(
    `abstract and array as break callable case catch class clone const continue declare default do echo else elseif empty
     extends final finally fn for foreach function global if implements include instanceof interface isset list match
     namespace new or print private protected public require return static switch throw trait try unset use var while`,
    'true false null TRUE FALSE NULL',
  ), comments: [lineSlash, block, hash], extra: [[/\$\w+/y, 'attr']] },
  python: {
    comments: [hash],
    strings: [/(?:[rRbBuUfF]{0,2})(?:"""[\s\S]*?(?:"""|$)|'''[\s\S]*?(?:'''|$))/y, /[rRbBuUfF]{0,2}"(?:[^"\\\n]|\\.)*"?/y, /[rRbBuUfF]{0,2}'(?:[^'\\\n]|\\.)*'?/y],
    keywords: words(
      `and as assert async await break class continue def del elif else except finally for from global if import in is
       lambda nonlocal not or pass raise return try while with yield match case print self`,
    ),
    literals: words('True False None'),
    calls: true,
    extra: [[/@[\w.]+/y, 'attr']],
  },
  ruby: {
    comments: [hash],
    strings: [dq, sq],
    keywords: words(
      `alias and begin break case class def defined do else elsif end ensure for if in module next not or redo rescue retry
       return self super then undef unless until when while yield require puts attr_accessor`,
    ),
    literals: words('true false nil'),
    calls: false,
    extra: [[/:[A-Za-z_]\w*/y, 'literal'], [/@{1,2}\w+/y, 'attr']],
  },
  bash: {
    comments: [hash],
    strings: [dq, /'[^']*'?/y],
    keywords: words(
      `if then else elif fi case esac for while until do done in function return break continue exit export local readonly
       set unset shift source alias echo cd sudo`,
    ),
    literals: words('true false'),
    calls: false,
    extra: [[/\$\{[^}\n]*\}?|\$[\w@#?$!*-]/y, 'attr']],
    ident: /[A-Za-z_][\w-]*/y,
  },
  sql: {
    comments: [/--[^\n]*/y, block],
    strings: [sq, dq],
    keywords: words(
      `select from where and or not insert into values update set delete create table drop alter add column index primary
       key foreign references join left right inner outer full on as group by order having limit offset distinct union all
       case when then else end is in like between exists default unique view begin commit rollback transaction returning
       with asc desc count sum avg min max integer int text varchar boolean bigint serial real`,
    ),
    literals: words('null true false'),
    calls: true,
    ident: /[A-Za-z_]\w*/y,
  },
  json: { comments: [], strings: [dq], keywords: new Set(), literals: words('true false null'), calls: false },
  yaml: {
    comments: [hash],
    strings: [dq, sq],
    keywords: new Set(),
    literals: words('true false null yes no on off ~'),
    calls: false,
    // Key runs are bounded: tried at each position of a long word, an unbounded one is quadratic.
    extra: [[/[\w.-]{1,100}(?=[ \t]{0,100}:(?:\s|$))/y, 'attr']],
  },
  css: {
    comments: [block],
    strings: [dq, sq],
    keywords: words('important media import from to and not only screen supports keyframes root'),
    literals: new Set(),
    calls: true,
    extra: [[/#[0-9a-fA-F]{3,8}\b/y, 'number'], [/[\w-]{1,100}(?=[ \t]{0,100}:[^:])/y, 'attr']],
    ident: /[A-Za-z_-][\w-]*/y,
  },
  html: {
    comments: [/<!--[\s\S]*?(?:-->|$)/y],
    strings: [dq, sq],
    keywords: new Set(),
    literals: new Set(),
    calls: false,
    extra: [[/<\/?[A-Za-z][\w:-]*|\/?>/y, 'tag'], [/[A-Za-z_:][\w:.-]{0,100}(?==)/y, 'attr']],
  },
};

const aliases: Record<string, string> = {
  javascript: 'js', jsx: 'js', ts: 'js', tsx: 'js', typescript: 'js', mjs: 'js', cjs: 'js', node: 'js',
  cpp: 'c', 'c++': 'c', cc: 'c', h: 'c', hpp: 'c', cxx: 'c', objc: 'c', 'objective-c': 'c',
  kotlin: 'java', kt: 'java', scala: 'java', groovy: 'java', dart: 'java', swift: 'java',
  golang: 'go', rs: 'rust', cs: 'csharp', 'c#': 'csharp',
  py: 'python', python3: 'python', rb: 'ruby',
  sh: 'bash', shell: 'bash', zsh: 'bash', console: 'bash', shellscript: 'bash', powershell: 'bash', ps1: 'bash',
  postgres: 'sql', postgresql: 'sql', mysql: 'sql', sqlite: 'sql', plsql: 'sql',
  jsonc: 'json', json5: 'json', yml: 'yaml', toml: 'yaml', ini: 'yaml',
  scss: 'css', less: 'css', xml: 'html', svg: 'html', vue: 'html', svelte: 'html',
};

export function grammarFor(lang: string): Grammar | null {
  const l = lang.toLowerCase();
  return grammars[l] ?? grammars[aliases[l] ?? ''] ?? null;
}

const number = /(?:0[xX][0-9a-fA-F_]+|0[bB][01_]+|(?:\d[\d_]*\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)[a-zA-Z%]*/y;
const defaultIdent = /[A-Za-z_$][\w$]*/y;

function at(re: RegExp, s: string, i: number): string | null {
  re.lastIndex = i;
  const m = re.exec(s);
  return m && m[0].length > 0 ? m[0] : null;
}

/** Splits `code` into tokens; unknown languages come back as one plain token. */
export function highlight(code: string, lang: string): Token[] {
  const g = grammarFor(lang);
  if (!g || code.length > 200_000) return [{ kind: 'plain', text: code }];
  const out: Token[] = [];
  let plain = '';
  const push = (kind: TokenKind, text: string) => {
    if (plain) out.push({ kind: 'plain', text: plain });
    plain = '';
    out.push({ kind, text });
  };
  const ident = g.ident ?? defaultIdent;
  let i = 0;
  outer: while (i < code.length) {
    for (const re of g.comments) {
      const m = at(re, code, i);
      if (m) {
        push('comment', m);
        i += m.length;
        continue outer;
      }
    }
    for (const re of g.strings) {
      const m = at(re, code, i);
      if (m) {
        push('string', m);
        i += m.length;
        continue outer;
      }
    }
    for (const [re, kind] of g.extra ?? []) {
      const m = at(re, code, i);
      if (m) {
        push(kind, m);
        i += m.length;
        continue outer;
      }
    }
    const prev = i > 0 ? code[i - 1] : '';
    if (/[0-9.]/.test(code[i]) && !/[\w$]/.test(prev)) {
      const m = at(number, code, i);
      if (m && /\d/.test(m)) {
        push('number', m);
        i += m.length;
        continue;
      }
    }
    if (!/[\w$]/.test(prev)) {
      const m = at(ident, code, i);
      if (m) {
        const lower = m.toLowerCase();
        const key = g === grammars.sql ? lower : m;
        if (g.keywords.has(key)) push('keyword', m);
        else if (g.literals.has(key)) push('literal', m);
        else if (g.calls && /^\s*\(/.test(code.slice(i + m.length, i + m.length + 4))) push('function', m);
        else plain += m;
        i += m.length;
        continue;
      }
    }
    plain += code[i];
    i++;
  }
  if (plain) out.push({ kind: 'plain', text: plain });
  return out;
}
