// The JavaScript tokenizer shipped in @lenml/tokenizer-* (a port of Hugging Face tokenizers),
// used as a test oracle. Usage: node bpe_oracle.js HF_VOCAB_DIR PACKAGE < texts.json
// Reads a JSON array of strings; prints a JSON array of id arrays (no special tokens added).
const path = require('path');
const dir = path.resolve(process.argv[2]);
const pkg = process.argv[3];
// The package finds @lenml/tokenizers in DIR/node_modules (a parent of the package folder).
const { fromPreTrained } = require(path.join(dir, pkg, 'package', 'dist', 'main.js'));
const tokenizer = fromPreTrained();
let input = '';
process.stdin.setEncoding('utf8');
process.stdin.on('data', chunk => { input += chunk; });
process.stdin.on('end', () => {
  const texts = JSON.parse(input);
  const ids = texts.map(t => Array.from(tokenizer.encode(t, { add_special_tokens: false })));
  process.stdout.write(JSON.stringify(ids));
});
