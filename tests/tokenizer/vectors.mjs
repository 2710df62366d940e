// Reference token vectors for src/core/tokenizer_test.cpp, from tiktoken itself (npm `tiktoken`).
//
//   node tests/tokenizer/vectors.mjs <o200k_base|cl100k_base> [--sweep[=STRIDE]]
//
// Prints a JSON array of {text, tokens} for a fixed, deterministic corpus. --sweep instead probes
// every STRIDE-th Unicode scalar value (default every one: 150 MB of output) in a few contexts,
// which checks the pre-tokenisation pattern's character classes against tiktoken's.
import { get_encoding } from "tiktoken";

const name = process.argv[2];
if (name !== "o200k_base" && name !== "cl100k_base") {
  process.stderr.write("usage: node vectors.mjs <o200k_base|cl100k_base> [--sweep[=STRIDE]]\n");
  process.exit(2);
}
const sweepArg = process.argv.find((a) => a.startsWith("--sweep"));
const stride = sweepArg ? Number(sweepArg.split("=")[1] ?? 1) : 0;
if (sweepArg && !(stride >= 1)) {
  process.stderr.write("--sweep=STRIDE needs a positive number\n");
  process.exit(2);
}

// mulberry32: a small seeded generator, so the corpus is the same on every run.
function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const fixed = [
  "",
  "a",
  " ",
  "Hello, world!",
  "The quick brown fox jumps over the lazy dog. THE QUICK BROWN FOX! tHe QuIcK bRoWn.",
  "It was the best of times, it was the worst of times, it was the age of wisdom, it was the age of foolishness...",
  "I'm you'll we'd they've she's it'S I'M YOU'LL WE'D THEY'VE don't can't won't o'clock rock'n'roll 'tis ''quoted''",
  "I\u2019m you\u2019ll \u2014 curly quotes \u201clike this\u201d and \u2018these\u2019.",
  "Straße groß ÜBER Ärger façade naïve coöperate résumé São Paulo İstanbul ﬁnal ﬂow",
  "Ελληνικά κείμενα, Русский текст: Съешь же ещё этих мягких французских булок. Українська мова.",
  "我能吞下玻璃而不伤身体。中华人民共和国成立于1949年10月1日。繁體中文測試：臺灣、香港。",
  "日本語のテキスト：吾輩は猫である。名前はまだ無い。カタカナとひらがな、ｶﾀｶﾅ半角。",
  "한국어 텍스트: 다람쥐 헌 쳇바퀴에 타고파. 안녕하세요, 세계!",
  "العربية: مرحبا بالعالم. עברית: שלום עולם. हिन्दी: नमस्ते दुनिया। ไทย: สวัสดีชาวโลก",
  "Tiếng Việt có dấu: Tôi có thể ăn thủy tinh mà không hại gì. ქართული ენა. Հայերեն.",
  "emoji: 😀😃😄 👍🏽 👨‍👩‍👧‍👦 🏳️‍🌈 🇺🇸🇯🇵🇩🇪 ❤️ ✨🎉 🧑🏿‍💻 1️⃣ #️⃣ 🏴󠁧󠁢󠁳󠁣󠁴󠁿",
  "def fib(n):\n    if n < 2:\n        return n\n    return fib(n - 1) + fib(n - 2)\n\nprint([fib(i) for i in range(10)])\n",
  "#include <stdio.h>\nint main(int argc, char** argv) {\n\tfor (int i = 0; i < argc; ++i) printf(\"%s\\n\", argv[i]);\n\treturn 0;\n}\n",
  "fn main() -> Result<(), Box<dyn std::error::Error>> {\n    let v: Vec<u32> = (0..10).map(|x| x * x).collect();\n    println!(\"{:?}\", v);\n    Ok(())\n}\n",
  "const f = async (x) => { await fetch(`/api/${x}?q=1&r=2`); return x ?? null; }; // JS\n",
  "SELECT u.id, COUNT(*) AS n FROM users u JOIN orders o ON o.user_id = u.id WHERE o.total >= 100.50 GROUP BY u.id;",
  "<html><body><div class=\"a b\" id='x'>&amp; &lt;tag&gt; &#x1F600;</div></body></html>",
  "{\"key\": [1, 2.5, -3e10, true, null], \"nested\": {\"s\": \"\\u00e9\\n\"}}",
  "    indented\n\tTabbed\n\n\n\nmany newlines\r\n\r\nwindows\rold mac\n   \n \t \n",
  " ".repeat(1) + "x" + " ".repeat(2) + "x" + " ".repeat(3) + "x" + " ".repeat(17) + "x",
  " ".repeat(100),
  "\n".repeat(50),
  "\t".repeat(33) + "end",
  " \n \n  \n\n   \t\t  \r\n",
  "trailing spaces   ",
  "   leading spaces",
  "0 1 12 123 1234 12345 123456 1234567 3.14159265358979 -42 +7 1e-9 0xDEADBEEF 1,000,000 2024-01-31 12:34:56",
  "١٢٣٤٥ ٦٧٨ ०१२३ 一二三 ①②③ Ⅻ ½ ¾ ²³",
  "!!!??? ... --- *** ### $$$ %%% ^^^ &&& ((( ))) [[[ ]]] {{{ }}} ||| \\\\ /// ~~~ ``` ''' \"\"\"",
  "a.b,c;d:e!f?g/h\\i|j-k_l+m=n*o&p^q%r$s#t@u~v`w",
  "<|endoftext|> <|endofprompt|> <|im_start|>user\nhi<|im_end|> <|fim_prefix|>",
  "text<|endoftext|>more text<|endoftext|>",
  "Mixed: English中文日本語한국어Русскийالعربية123abcДЕФ",
  "camelCaseWords PascalCase snake_case SCREAMING_CASE kebab-case ALLCAPSandlower lowerUPPER",
  "URL: https://example.com/path/to/page?query=string&foo=bar#fragment email: user@example.org",
  "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
  "ab".repeat(300),
  "a".repeat(1000),
  "🙂".repeat(200),
  "的".repeat(300),
  "=".repeat(500) + "\n" + "-".repeat(257),
  "x\u00a0y\u2003z\u3000w\u2028v\u2029u\u0085t\u180es\u200bq\ufeffp",
  "combining: e\u0301 a\u0308 n\u0303 \u0301\u0301\u0301 Z\u0351\u036b\u0343\u036a\u0302\u036b\u033d\u034f\u0334\u0319",
  "Iſ he'ſ it'\u212a K\u212a \u212bngstr\u00f6m",
  "zero\u200dwidth\u200cjoiners and \ufe0f variation",
  "\u0000\u0001\u0002\u001b[31mred\u001b[0m\u007f",
  // Assigned after Unicode 14 (PCRE2 10.42's tables), in tiktoken's Unicode 16 classes.
  "b \u0897\u0897's \u0cf3's \u1c89\u1c8a's \ua7cb\ua7cd's \u{10d40}\u{10d49}x \u{31350}\u{31351}'s \u{2ebf0}'s " +
    "\u{1e4d0}'s \u{16d40}'s \u{1e030}'s \u{11bf0}1",
  // Unicode 17 additions, which tiktoken's Unicode 16 tables leave unassigned.
  "b \u{323b0}\u{323b1}'s \u{1e6c0}'s \u{10940}'s",
  " ".repeat(5000) + "x" + "\n".repeat(3000) + "a".repeat(5000) + "7".repeat(100) + ".".repeat(3000),
  "Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor incididunt ut labore et dolore magna aliqua.",
];

const words = [
  "the", "of", "and", "a", "to", "in", "is", "you", "that", "it", "tokenizer", "platform", "Plaza", "BPE",
  "merge", "rank", "Hello", "WORLD", "don't", "I'll", "we're", "世界", "你好", "東京", "こんにちは", "ありがとう",
  "서울", "감사합니다", "Москва", "привет", "Ωμέγα", "مرحبا", "שלום", "नमस्ते", "café", "naïve", "über",
  "😀", "👍🏽", "🇫🇷", "👩‍🔬", "42", "3.14", "1000000", "x_1", "foo()", "{}", "[]", "=>", "->", "::", "&&",
  "<|endoftext|>", "http://a.b/c", "#tag", "@user", "$100", "50%", "...", "!?", "\"quoted\"", "'single'",
];
const seps = [" ", " ", " ", " ", "  ", "\n", "\n\n", "\t", ", ", ". ", "; ", " - ", "\r\n", "   ", ""];

function generated(seed, size) {
  const r = rng(seed);
  let s = "";
  while (s.length < size) {
    s += words[Math.floor(r() * words.length)];
    s += seps[Math.floor(r() * seps.length)];
    if (r() < 0.01) s += " ".repeat(1 + Math.floor(r() * 40));
    if (r() < 0.01) s += String(Math.floor(r() * 1e9));
  }
  return s;
}

// Random code points from scripts and symbol blocks, with whitespace, for the pattern's classes.
function random_unicode(seed, count) {
  const r = rng(seed);
  const ranges = [
    [0x20, 0x7e], [0xa0, 0x24f], [0x370, 0x52f], [0x591, 0x6ff], [0x900, 0xdff], [0xe00, 0xeff],
    [0x1100, 0x11ff], [0x1e00, 0x1fff], [0x2000, 0x2bff], [0x3000, 0x30ff], [0x4e00, 0x9fff],
    [0xac00, 0xd7a3], [0xfb00, 0xfffd], [0x1d400, 0x1d7ff], [0x1f300, 0x1faff], [0x20000, 0x2a6df],
  ];
  let s = "";
  for (let i = 0; i < count; i++) {
    const [lo, hi] = ranges[Math.floor(r() * ranges.length)];
    s += String.fromCodePoint(lo + Math.floor(r() * (hi - lo + 1)));
    if (r() < 0.15) s += seps[Math.floor(r() * seps.length)];
  }
  return s;
}

function corpus() {
  const texts = [...fixed];
  for (let seed = 1; seed <= 8; seed++) texts.push(generated(seed, 400 + seed * 50));
  texts.push(generated(2024, 20000));
  for (let seed = 1; seed <= 6; seed++) texts.push(random_unicode(seed, 2000));
  return texts;
}

// Every scalar value (no surrogates), several per text, each in a few contexts that matter to
// the pattern: after a space, between letters, before 's, next to digits and newlines.
function sweep_corpus() {
  const texts = [];
  let chunk = "";
  let inChunk = 0;
  for (let cp = 0; cp <= 0x10ffff; cp += stride) {
    if (cp >= 0xd800 && cp <= 0xdfff) continue;
    const c = String.fromCodePoint(cp);
    chunk += `a${c}b ${c}${c}'s 1${c}\n${c}  `;
    if (++inChunk === 256) {
      texts.push(chunk);
      chunk = "";
      inChunk = 0;
    }
  }
  if (chunk) texts.push(chunk);
  return texts;
}

const enc = get_encoding(name);
const texts = stride ? sweep_corpus() : corpus();
// One element at a time: the sweep's output is far larger than one string should be.
process.stdout.write("[");
texts.forEach((text, i) => {
  const tokens = Array.from(enc.encode_ordinary(text));
  process.stdout.write((i ? ",\n" : "") + JSON.stringify({ text, tokens }));
});
process.stdout.write("]\n");
enc.free();
