#!/usr/bin/env bash
# hearth-cli info on the real stories260K file: the human summary and the JSON agree with
# the values in ../shared/models/README.md. Exit 77 (skip) when ../shared is absent.
set -euo pipefail
cli="$1"
shared="${HEARTH_SHARED_DIR:-$2}"
model="$shared/models/stories260K.gguf"
if [ ! -f "$model" ]; then echo "SKIP: $model is absent"; exit 77; fi

fail() { echo "FAIL: $*"; exit 1; }
human=$("$cli" info "$model")
echo "$human"
grep -Eq 'architecture +llama' <<<"$human" || fail "architecture"
grep -Eq 'layers +5$' <<<"$human" || fail "layers"
grep -Eq 'heads +8 \(KV heads 4, head size 8\)' <<<"$human" || fail "heads"
grep -Eq 'vocabulary +512 tokens, llama tokenizer' <<<"$human" || fail "vocabulary"

json=$("$cli" info "$model" --json --ctx 256)
python3 - "$json" <<'PY'
import json, sys
s = json.loads(sys.argv[1])
expect = {"architecture": "llama", "embedding_length": 64, "feed_forward_length": 172, "block_count": 5,
          "head_count": 8, "head_count_kv": 4, "context_length": 2048, "vocabulary_size": 512,
          "tokenizer_model": "llama", "has_chat_template": False, "file_bytes": 1185376, "gguf_version": 3,
          "parameters": 292800}
for k, v in expect.items():
    assert s[k] == v, f"{k}: {s[k]!r} != {v!r}"
assert list(s["weight_types"]) == ["F32"] and s["weight_types"]["F32"]["tensors"] == 48
assert s["memory"]["context"] == 256 and s["memory"]["kv_cache_bytes"] == 5 * 256 * 4 * 16 * 2
print("json summary ok")
PY
