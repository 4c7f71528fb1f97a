#!/usr/bin/env python3
"""Writes a small random-weight GGUF model of one architecture with llama.cpp's own gguf-py.

    make_oracle_model.py --arch ARCH --vocab-from VOCAB.gguf OUT.gguf [--seed N] [--chat-template FILE.jinja] [--quantize TYPE]

The model has a real family's layout (tensor names, metadata keys, optional tensors) scaled down,
so llama.cpp and Hearth both load it; its weights are F32 and scaled so that the logits are peaked,
not uniform (a KL divergence between two nearly uniform distributions says nothing). The
tokenizer is copied from VOCAB.gguf (stories260K's 512-token vocabulary keeps logits files small).
Run with PYTHONPATH pointing at llama.cpp's gguf-py (tests/tools/llama_cpp_oracle.sh prints it).
"""
import argparse
import sys

import numpy as np
import gguf

# Shapes: dimensions that are multiples of 256 so that every K-quant and IQ type applies.
EMBEDDING = 256
FEED_FORWARD = 512
LAYERS = 3
HEADS = 4
KV_HEADS = 2


def architecture_table():
    """Per architecture: head size, extra metadata and which optional tensors each layer has."""
    return {
        "llama": dict(head_dim=64, rope_base=10000.0),
        "qwen2": dict(head_dim=64, rope_base=1000000.0, qkv_bias=True),
        "qwen3": dict(head_dim=96, rope_base=1000000.0, qk_norm=True),  # head size != embedding / heads, as in Qwen3
        # Gemma: a 32-position window so that 128-token chunks exercise it; Gemma 2 alternates
        # sliding and global layers and soft-caps, Gemma 3 has five sliding layers per global one,
        # their own RoPE base, linear RoPE scaling on the global layers and tied embeddings.
        "gemma2": dict(head_dim=64, rope_base=10000.0, post_norms=True, tied=True, embedding_gain=1 / 16,
                       extra={"attention.sliding_window": 32, "attn_logit_softcapping": 50.0, "final_logit_softcapping": 30.0}),
        "gemma3": dict(head_dim=96, rope_base=1000000.0, qk_norm=True, post_norms=True, tied=True, layers=6, embedding_gain=1 / 16,
                       extra={"attention.sliding_window": 32, "rope.freq_base_swa": 10000.0}, rope_linear_scale=8.0),
        # Phi-3/4: fused QKV and gate/up weights, partial rotary (48 of 64 dimensions, as Phi-4-mini's
        # 0.75), LongRoPE factors (long ones: 128 tokens exceed the 64-token original context) and
        # the attention factor.
        "phi3": dict(head_dim=64, rope_base=10000.0, fused=True, rope_dims=48, long_rope=True,
                     extra={"rope.scaling.original_context_length": 64, "rope.scaling.attn_factor": 1.19}),
        # Ministral 3 / Mistral Small: the llama graph with YaRN RoPE (factor 16 over a 64-token original context).
        "mistral3": dict(head_dim=64, rope_base=1000000.0, yarn=16.0,
                         extra={"rope.scaling.original_context_length": 64, "rope.scaling.yarn_beta_fast": 32.0,
                                "rope.scaling.yarn_beta_slow": 1.0}),
        # SmolLM3: no RoPE on every fourth layer (layer 3 of 4 here).
        "smollm3": dict(head_dim=64, rope_base=5000000.0, layers=4),
        # Qwen3 MoE (30B-A3B's layout): QK-norm, 8 experts of which the router picks 3, softmax then
        # renormalised weights, no dense feed-forward.
        "qwen3moe": dict(head_dim=64, rope_base=1000000.0, qk_norm=True, experts=8, experts_used=3),
        # gpt-oss: Q/K/V/O biases, a sink logit per head, every other layer sliding (from layer 0),
        # YaRN, router and expert biases, the clamped SwiGLU; its pre-FFN norm is post_attention_norm.
        "gpt-oss": dict(head_dim=64, rope_base=150000.0, qkv_bias=True, sinks=True, experts=8, experts_used=2, layers=4,
                        expert_biases=True, yarn=4.0, extra={"attention.sliding_window": 32, "rope.scaling.original_context_length": 64}),
        # DeepSeek-V2-Lite's layout scaled down: latent attention (a 256-value latent and 32 rotated
        # dimensions cached, 64 + 32 query dimensions and 64 value dimensions per head), the first
        # layer dense, then 4 routed experts (2 chosen, softmax) and 2 shared ones.
        "deepseek2": dict(head_dim=64, rope_base=10000.0, mla=dict(kv_lora=256, q_lora=0, nope=64, rope=32, v=64), experts=4,
                          experts_used=2, layers=27, residual_gain=0.3),  # llama.cpp knows the Lite by its 27 layers
        # DeepSeek-V3's: a low-rank query, sigmoid routing with a selection bias over 4 groups of
        # which 2 are eligible, renormalised and scaled weights, YaRN with DeepSeek's magnitude
        # (its 0.1 * mscale_all_dim as yarn_log_multiplier). Written as architecture deepseek2.
        "deepseek3": dict(head_dim=64, rope_base=10000.0, mla=dict(kv_lora=256, q_lora=128, nope=64, rope=32, v=64), experts=8,
                          experts_used=2, layers=3, v3=True, yarn=4.0,
                          extra={"rope.scaling.original_context_length": 64, "rope.scaling.yarn_log_multiplier": 0.0707}),
        # Gemma 4 (E2B/E4B's layout scaled down): sliding layers of 64-dimension heads (2 KV heads)
        # and full layers of 128 (1 KV head, no value projection: the values are the keys'),
        # proportional RoPE on the full layers (a quarter of their dimensions turn), the last 4 layers
        # reading the caches of layers 2 and 3 with double-wide feed-forwards, per-layer token
        # embeddings, a scale per layer's output and soft-capped logits. Written as gemma4.
        "gemma4": dict(gemma4=dict(pattern=[1, 1, 1, 0, 1, 1, 1, 0], shared=4, ple=64), layers=8),
        # Gemma 4 26B-A4B's: 8 experts (2 chosen) beside a dense feed-forward in every layer, their
        # gate and up rows fused, a scale per expert, the router's own input norm. Written as gemma4.
        "gemma4moe": dict(gemma4=dict(pattern=[1, 0, 1, 0], shared=0, ple=0, experts=8, experts_used=2), layers=4),
        # Qwen3.5 (0.8B-9B's layout scaled down): three Gated DeltaNet layers per full-attention one,
        # 2 key heads and 4 value heads of 64 in the linear layers (value head h reads key head
        # h % 2), a 4-tap convolution; full layers with a gated output, QK-norm and a quarter of
        # each head rotated in interleaved M-RoPE sections. Written as qwen35.
        "qwen35": dict(qwen35=dict(), layers=8),
        # Qwen3.5-35B-A3B's: every layer's feed-forward 8 experts (2 chosen) plus a shared expert
        # gated by a sigmoid. Written as qwen35moe.
        "qwen35moe": dict(qwen35=dict(experts=8, experts_used=2), layers=4),
        # Granite 3: embedding, residual, attention and logit multipliers.
        "granite": dict(head_dim=64, rope_base=10000.0, embedding_gain=1 / 12, extra={
            "embedding_scale": 12.0, "residual_scale": 0.22, "attention.scale": 0.0078125, "logit_scale": 8.0}),
    }


def add_experts(writer, p, spec, experts, matrix, norm, bias):
    """A mixture-of-experts feed-forward: the router and each expert's matrices stacked [expert][rows][cols]."""
    ff = FEED_FORWARD // 2
    writer.add_tensor(p + ("post_attention_norm.weight" if spec.get("sinks") else "ffn_norm.weight"), norm(EMBEDDING))
    writer.add_tensor(p + "ffn_gate_inp.weight", matrix(experts, EMBEDDING, 4.0))  # a peaked router: clear choices
    writer.add_tensor(p + "ffn_gate_exps.weight", np.stack([matrix(ff, EMBEDDING) for _ in range(experts)]))
    writer.add_tensor(p + "ffn_up_exps.weight", np.stack([matrix(ff, EMBEDDING) for _ in range(experts)]))
    writer.add_tensor(p + "ffn_down_exps.weight", np.stack([matrix(EMBEDDING, ff) for _ in range(experts)]))
    if spec.get("expert_biases"):
        writer.add_tensor(p + "ffn_gate_inp.bias", bias(experts))
        writer.add_tensor(p + "ffn_gate_exps.bias", np.stack([bias(ff) for _ in range(experts)]))
        writer.add_tensor(p + "ffn_up_exps.bias", np.stack([bias(ff) for _ in range(experts)]))
        writer.add_tensor(p + "ffn_down_exps.bias", np.stack([bias(EMBEDDING) for _ in range(experts)]))


def add_latent_layer(writer, p, i, spec, mla, matrix, norm):
    """A DeepSeek layer: latent attention (llama.cpp's absorbed form), then dense (layer 0) or experts."""
    query_head = mla["nope"] + mla["rope"]
    # Deep stacks of random layers amplify every rounding difference: a smaller residual update keeps
    # the 27-layer Lite shape as well-conditioned as the 3-layer models.
    gain = spec.get("residual_gain", 1.0)
    if mla["q_lora"]:
        writer.add_tensor(p + "attn_q_a.weight", matrix(mla["q_lora"], EMBEDDING, 1.0))
        writer.add_tensor(p + "attn_q_a_norm.weight", norm(mla["q_lora"]))
        writer.add_tensor(p + "attn_q_b.weight", matrix(HEADS * query_head, mla["q_lora"], 1.0))
    else:
        writer.add_tensor(p + "attn_q.weight", matrix(HEADS * query_head, EMBEDDING, 1.0))
    writer.add_tensor(p + "attn_kv_a_mqa.weight", matrix(mla["kv_lora"] + mla["rope"], EMBEDDING, 1.0))
    writer.add_tensor(p + "attn_kv_a_norm.weight", norm(mla["kv_lora"]))
    writer.add_tensor(p + "attn_k_b.weight", np.stack([matrix(mla["kv_lora"], mla["nope"], 1.0) for _ in range(HEADS)]))
    writer.add_tensor(p + "attn_v_b.weight", np.stack([matrix(mla["v"], mla["kv_lora"]) for _ in range(HEADS)]))
    writer.add_tensor(p + "attn_output.weight", matrix(EMBEDDING, HEADS * mla["v"], gain))
    writer.add_tensor(p + "ffn_norm.weight", norm(EMBEDDING))
    if i == 0:  # the leading dense layer
        writer.add_tensor(p + "ffn_gate.weight", matrix(FEED_FORWARD, EMBEDDING))
        writer.add_tensor(p + "ffn_up.weight", matrix(FEED_FORWARD, EMBEDDING))
        writer.add_tensor(p + "ffn_down.weight", matrix(EMBEDDING, FEED_FORWARD, gain))
        return
    experts, ff = spec["experts"], FEED_FORWARD // 2
    writer.add_tensor(p + "ffn_gate_inp.weight", matrix(experts, EMBEDDING, 4.0))
    if spec.get("v3"):
        writer.add_tensor(p + "exp_probs_b.bias", (0.5 * np.random.default_rng(i).standard_normal(experts)).astype(np.float32))
    writer.add_tensor(p + "ffn_gate_exps.weight", np.stack([matrix(ff, EMBEDDING) for _ in range(experts)]))
    writer.add_tensor(p + "ffn_up_exps.weight", np.stack([matrix(ff, EMBEDDING) for _ in range(experts)]))
    writer.add_tensor(p + "ffn_down_exps.weight", np.stack([matrix(EMBEDDING, ff, gain) for _ in range(experts)]))
    writer.add_tensor(p + "ffn_gate_shexp.weight", matrix(2 * ff, EMBEDDING))
    writer.add_tensor(p + "ffn_up_shexp.weight", matrix(2 * ff, EMBEDDING))
    writer.add_tensor(p + "ffn_down_shexp.weight", matrix(EMBEDDING, 2 * ff, gain))


def write_gemma4(writer, spec, vocab, rng, matrix, norm):
    """Gemma 4: metadata and tensors (llama.cpp's gemma4.cpp and conversion/gemma.py)."""
    g = spec["gemma4"]
    layers, swa, full = spec["layers"], 64, 128
    pattern = [bool(x) for x in g["pattern"]]
    first_shared = layers - g["shared"]
    kv_heads = [KV_HEADS if sliding else 1 for sliding in pattern]
    ff = [FEED_FORWARD if i < first_shared or not g["shared"] else 2 * FEED_FORWARD for i in range(layers)]
    writer.add_context_length(2048)
    writer.add_embedding_length(EMBEDDING)
    writer.add_block_count(layers)
    writer.add_feed_forward_length(ff)
    writer.add_head_count(HEADS)
    writer.add_head_count_kv(kv_heads)
    writer.add_key_length(full)
    writer.add_value_length(full)
    writer.add_key_length_swa(swa)
    writer.add_value_length_swa(swa)
    writer.add_rope_dimension_count(full)
    writer.add_rope_dimension_count_swa(swa)
    writer.add_rope_freq_base(1000000.0)
    writer.add_rope_freq_base_swa(10000.0)
    writer.add_layer_norm_rms_eps(1e-6)
    writer.add_sliding_window(32)
    writer.add_sliding_window_pattern(pattern)
    writer.add_shared_kv_layers(g["shared"])
    writer.add_embedding_length_per_layer_input(g["ple"])
    writer.add_final_logit_softcapping(30.0)
    writer.add_file_type(gguf.LlamaFileType.ALL_F32)
    experts = g.get("experts", 0)
    if experts:
        writer.add_expert_count(experts)
        writer.add_expert_used_count(g["experts_used"])
        writer.add_expert_feed_forward_length(FEED_FORWARD // 2)

    writer.add_tensor("token_embd.weight", (rng.standard_normal((vocab, EMBEDDING)) / 16).astype(np.float32))
    if g["ple"]:
        width = g["ple"] * layers
        writer.add_tensor("per_layer_token_embd.weight", (0.1 * rng.standard_normal((vocab, width))).astype(np.float32))
        writer.add_tensor("per_layer_model_proj.weight", matrix(width, EMBEDDING))
        writer.add_tensor("per_layer_proj_norm.weight", norm(g["ple"]))
    # Proportional RoPE: the full layers turn their first quarter of dimensions, the rest stand still.
    turned = full // 8
    writer.add_tensor("rope_freqs.weight", np.array([1.0] * turned + [1e30] * (full // 2 - turned), dtype=np.float32))
    for i in range(layers):
        p = f"blk.{i}."
        head = swa if pattern[i] else full
        writer.add_tensor(p + "attn_norm.weight", norm(EMBEDDING))
        writer.add_tensor(p + "attn_q.weight", matrix(HEADS * head, EMBEDDING, 1.0))
        # Gemma 4 does not scale its queries: norm weights of head**-0.25 keep the scores near unit
        # size, so that the softmax is not so sharp that every rounding difference flips it.
        writer.add_tensor(p + "attn_q_norm.weight", norm(head) * head ** -0.25)
        if i < first_shared or not g["shared"]:
            writer.add_tensor(p + "attn_k.weight", matrix(kv_heads[i] * head, EMBEDDING, 1.0))
            writer.add_tensor(p + "attn_k_norm.weight", norm(head) * head ** -0.25)
            if pattern[i]:  # the full layers have none: their values are the keys' projection
                writer.add_tensor(p + "attn_v.weight", matrix(kv_heads[i] * head, EMBEDDING))
        writer.add_tensor(p + "attn_output.weight", matrix(EMBEDDING, HEADS * head))
        writer.add_tensor(p + "post_attention_norm.weight", norm(EMBEDDING))
        writer.add_tensor(p + "ffn_norm.weight", norm(EMBEDDING))
        writer.add_tensor(p + "ffn_gate.weight", matrix(ff[i], EMBEDDING))
        writer.add_tensor(p + "ffn_up.weight", matrix(ff[i], EMBEDDING))
        writer.add_tensor(p + "ffn_down.weight", matrix(EMBEDDING, ff[i]))
        writer.add_tensor(p + "post_ffw_norm.weight", norm(EMBEDDING))
        if experts:
            eff = FEED_FORWARD // 2
            writer.add_tensor(p + "ffn_gate_inp.weight", matrix(experts, EMBEDDING, 4.0))
            writer.add_tensor(p + "ffn_gate_inp.scale", norm(EMBEDDING))
            writer.add_tensor(p + "ffn_gate_up_exps.weight", np.stack([matrix(2 * eff, EMBEDDING) for _ in range(experts)]))
            writer.add_tensor(p + "ffn_down_exps.weight", np.stack([matrix(EMBEDDING, eff) for _ in range(experts)]))
            writer.add_tensor(p + "ffn_down_exps.scale", (0.5 + rng.random(experts)).astype(np.float32))
            writer.add_tensor(p + "pre_ffw_norm_2.weight", norm(EMBEDDING))
            writer.add_tensor(p + "post_ffw_norm_1.weight", norm(EMBEDDING))
            writer.add_tensor(p + "post_ffw_norm_2.weight", norm(EMBEDDING))
        if g["ple"]:
            writer.add_tensor(p + "inp_gate.weight", matrix(g["ple"], EMBEDDING))
            writer.add_tensor(p + "proj.weight", matrix(EMBEDDING, g["ple"]))
            writer.add_tensor(p + "post_norm.weight", norm(EMBEDDING))
        writer.add_tensor(p + "layer_output_scale.weight", np.array([0.5 + 0.5 * rng.random()], dtype=np.float32))
    writer.add_tensor("output_norm.weight", norm(EMBEDDING))


def write_qwen35(writer, spec, vocab, rng, matrix, norm):
    """Qwen3.5 / 3.6: metadata and tensors (llama.cpp's qwen35.cpp, qwen35moe.cpp and conversion/qwen.py)."""
    g = spec["qwen35"]
    layers, head, rope_dims = spec["layers"], 64, 16
    key_heads, value_heads, state = 2, 4, 64
    key_dim, value_dim = key_heads * state, value_heads * state
    channels = 2 * key_dim + value_dim
    experts = g.get("experts", 0)
    writer.add_context_length(2048)
    writer.add_embedding_length(EMBEDDING)
    writer.add_block_count(layers)
    writer.add_feed_forward_length(FEED_FORWARD)
    writer.add_head_count(HEADS)
    writer.add_head_count_kv(KV_HEADS)
    writer.add_key_length(head)
    writer.add_value_length(head)
    writer.add_rope_dimension_count(rope_dims)
    writer.add_rope_dimension_sections([3, 3, 2, 0])
    writer.add_rope_freq_base(10000000.0)
    writer.add_layer_norm_rms_eps(1e-6)
    writer.add_ssm_conv_kernel(4)
    writer.add_ssm_state_size(state)
    writer.add_ssm_group_count(key_heads)
    writer.add_ssm_time_step_rank(value_heads)
    writer.add_ssm_inner_size(value_dim)
    writer.add_full_attention_interval(4)
    writer.add_file_type(gguf.LlamaFileType.ALL_F32)
    if experts:
        writer.add_expert_count(experts)
        writer.add_expert_used_count(g["experts_used"])
        writer.add_expert_feed_forward_length(FEED_FORWARD // 2)
        writer.add_expert_shared_feed_forward_length(FEED_FORWARD // 2)

    writer.add_tensor("token_embd.weight", rng.standard_normal((vocab, EMBEDDING)).astype(np.float32))
    for i in range(layers):
        p = f"blk.{i}."
        writer.add_tensor(p + "attn_norm.weight", norm(EMBEDDING))
        if (i + 1) % 4 != 0:  # Gated DeltaNet
            writer.add_tensor(p + "attn_qkv.weight", matrix(channels, EMBEDDING, 2.0))
            writer.add_tensor(p + "attn_gate.weight", matrix(value_dim, EMBEDDING))
            writer.add_tensor(p + "ssm_conv1d.weight", (0.5 * rng.standard_normal((channels, 4))).astype(np.float32))
            writer.add_tensor(p + "ssm_dt.bias", (0.5 * rng.standard_normal(value_heads)).astype(np.float32))
            writer.add_tensor(p + "ssm_a", (-np.exp(rng.uniform(-1.5, 0.5, value_heads))).astype(np.float32))  # -exp(A_log)
            writer.add_tensor(p + "ssm_beta.weight", matrix(value_heads, EMBEDDING))
            writer.add_tensor(p + "ssm_alpha.weight", matrix(value_heads, EMBEDDING))
            writer.add_tensor(p + "ssm_norm.weight", norm(state))
            writer.add_tensor(p + "ssm_out.weight", matrix(EMBEDDING, value_dim))
        else:  # full attention: per head [query | gate] rows
            writer.add_tensor(p + "attn_q.weight", matrix(2 * HEADS * head, EMBEDDING, 1.0))
            writer.add_tensor(p + "attn_k.weight", matrix(KV_HEADS * head, EMBEDDING, 1.0))
            writer.add_tensor(p + "attn_v.weight", matrix(KV_HEADS * head, EMBEDDING))
            writer.add_tensor(p + "attn_q_norm.weight", norm(head))
            writer.add_tensor(p + "attn_k_norm.weight", norm(head))
            writer.add_tensor(p + "attn_output.weight", matrix(EMBEDDING, HEADS * head))
        writer.add_tensor(p + "post_attention_norm.weight", norm(EMBEDDING))
        if experts:
            eff = FEED_FORWARD // 2
            writer.add_tensor(p + "ffn_gate_inp.weight", matrix(experts, EMBEDDING, 4.0))
            writer.add_tensor(p + "ffn_gate_exps.weight", np.stack([matrix(eff, EMBEDDING) for _ in range(experts)]))
            writer.add_tensor(p + "ffn_up_exps.weight", np.stack([matrix(eff, EMBEDDING) for _ in range(experts)]))
            writer.add_tensor(p + "ffn_down_exps.weight", np.stack([matrix(EMBEDDING, eff) for _ in range(experts)]))
            writer.add_tensor(p + "ffn_gate_inp_shexp.weight", (rng.standard_normal(EMBEDDING) / np.sqrt(EMBEDDING)).astype(np.float32))
            writer.add_tensor(p + "ffn_gate_shexp.weight", matrix(eff, EMBEDDING))
            writer.add_tensor(p + "ffn_up_shexp.weight", matrix(eff, EMBEDDING))
            writer.add_tensor(p + "ffn_down_shexp.weight", matrix(EMBEDDING, eff))
        else:
            writer.add_tensor(p + "ffn_gate.weight", matrix(FEED_FORWARD, EMBEDDING))
            writer.add_tensor(p + "ffn_up.weight", matrix(FEED_FORWARD, EMBEDDING))
            writer.add_tensor(p + "ffn_down.weight", matrix(EMBEDDING, FEED_FORWARD))
    writer.add_tensor("output_norm.weight", norm(EMBEDDING))
    writer.add_tensor("output.weight", matrix(vocab, EMBEDDING, 2.0))


def copy_tokenizer(reader, writer):
    for field in reader.fields.values():
        if not field.name.startswith("tokenizer."):
            continue
        value_type = field.types[0]
        if value_type == gguf.GGUFValueType.ARRAY:
            writer.add_key_value(field.name, list(field.contents()), value_type, field.types[-1])
        else:
            writer.add_key_value(field.name, field.contents(), value_type)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--arch", required=True, choices=sorted(architecture_table()))
    parser.add_argument("--vocab-from", required=True)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--chat-template", help="a Jinja file written as tokenizer.chat_template")
    parser.add_argument("--quantize", help="store the matrices in this type with gguf-py's quantizer (MXFP4: "
                        "llama-quantize writes it only for mixture-of-experts tensors)")
    parser.add_argument("out")
    args = parser.parse_args()
    spec = architecture_table()[args.arch]
    rng = np.random.default_rng(args.seed)

    reader = gguf.GGUFReader(args.vocab_from)
    vocab = len(reader.fields["tokenizer.ggml.tokens"].data)
    head_dim = spec.get("head_dim", 0)

    arch = {"deepseek3": "deepseek2", "gemma4moe": "gemma4"}.get(args.arch, args.arch)
    writer = gguf.GGUFWriter(args.out, arch)
    quant_type = gguf.GGMLQuantizationType[args.quantize] if args.quantize else None
    block_size = gguf.GGML_QUANT_SIZES[quant_type][0] if quant_type else 1
    add_tensor = writer.add_tensor

    def add_quantized(name, values):
        # Matrices other than the embedding table (kept F32, as llama.cpp keeps it for most types)
        # (and the router, which llama-quantize keeps F32 too).
        if (quant_type and values.ndim >= 2 and values.shape[-1] % block_size == 0 and name != "token_embd.weight"
                and "ffn_gate_inp" not in name):
            add_tensor(name, gguf.quants.quantize(values, quant_type), raw_dtype=quant_type)
        else:
            add_tensor(name, values)
    writer.add_tensor = add_quantized
    writer.add_name("hearth oracle model")  # not the family: llama.cpp keys some vocabulary rules on the name

    def matrix(rows, cols, gain=1.0):
        return (rng.standard_normal((rows, cols)) * (gain / np.sqrt(cols))).astype(np.float32)

    def norm(size):
        return (1.0 + 0.2 * rng.standard_normal(size)).astype(np.float32)

    def bias(size):
        return (0.1 * rng.standard_normal(size)).astype(np.float32)

    if "gemma4" in spec or "qwen35" in spec:
        copy_tokenizer(reader, writer)
        if args.chat_template:
            writer.add_chat_template(open(args.chat_template, encoding="utf-8").read())
        (write_gemma4 if "gemma4" in spec else write_qwen35)(writer, spec, vocab, rng, matrix, norm)
        writer.write_header_to_file()
        writer.write_kv_data_to_file()
        writer.write_tensors_to_file()
        writer.close()
        return
    writer.add_context_length(2048)
    writer.add_embedding_length(EMBEDDING)
    layers = spec.get("layers", LAYERS)
    writer.add_block_count(layers)
    writer.add_feed_forward_length(FEED_FORWARD)
    writer.add_head_count(HEADS)
    mla = spec.get("mla")
    if mla:  # one cached head: [latent | rotated], the values read from it
        writer.add_head_count_kv(1)
        writer.add_key_length(mla["kv_lora"] + mla["rope"])
        writer.add_value_length(mla["kv_lora"])
        writer.add_key_length_mla(mla["nope"] + mla["rope"])
        writer.add_value_length_mla(mla["v"])
        writer.add_kv_lora_rank(mla["kv_lora"])
        if mla["q_lora"]:
            writer.add_q_lora_rank(mla["q_lora"])
        writer.add_leading_dense_block_count(1)
        writer.add_expert_shared_count(2)
        writer.add_expert_weights_scale(2.5 if spec.get("v3") else 1.0)
        writer.add_expert_weights_norm(bool(spec.get("v3")))
        writer.add_expert_gating_func(gguf.ExpertGatingFuncType.SIGMOID if spec.get("v3") else gguf.ExpertGatingFuncType.SOFTMAX)
        if spec.get("v3"):
            writer.add_expert_group_count(4)
            writer.add_expert_group_used_count(2)
    else:
        writer.add_head_count_kv(KV_HEADS)
        writer.add_key_length(head_dim)
        writer.add_value_length(head_dim)
    rope_dims = mla["rope"] if mla else spec.get("rope_dims", head_dim)
    writer.add_rope_dimension_count(rope_dims)
    writer.add_layer_norm_rms_eps(1e-6)
    writer.add_rope_freq_base(spec["rope_base"])
    writer.add_file_type(gguf.LlamaFileType.ALL_F32)
    for key, value in spec.get("extra", {}).items():
        full = f"{arch}.{key}"
        if isinstance(value, float):
            writer.add_float32(full, value)
        else:
            writer.add_uint32(full, value)
    if "yarn" in spec:
        writer.add_rope_scaling_type(gguf.RopeScalingType.YARN)
        writer.add_rope_scaling_factor(spec["yarn"])
    if "rope_linear_scale" in spec:
        writer.add_rope_scaling_type(gguf.RopeScalingType.LINEAR)
        writer.add_rope_scaling_factor(spec["rope_linear_scale"])
    experts = spec.get("experts", 0)
    if experts:
        writer.add_expert_count(experts)
        writer.add_expert_used_count(spec["experts_used"])
        writer.add_expert_feed_forward_length(FEED_FORWARD // 2)
    copy_tokenizer(reader, writer)
    if args.chat_template:
        writer.add_chat_template(open(args.chat_template, encoding="utf-8").read())

    q_dim, kv_dim = HEADS * head_dim, KV_HEADS * head_dim
    embedding_gain = spec.get("embedding_gain", 1.0)
    writer.add_tensor("token_embd.weight", (embedding_gain * rng.standard_normal((vocab, EMBEDDING))).astype(np.float32))
    for i in range(layers):
        p = f"blk.{i}."
        writer.add_tensor(p + "attn_norm.weight", norm(EMBEDDING))
        if mla:
            add_latent_layer(writer, p, i, spec, mla, matrix, norm)
            continue
        q, k, v = matrix(q_dim, EMBEDDING, 1.0), matrix(kv_dim, EMBEDDING, 1.0), matrix(kv_dim, EMBEDDING)
        if spec.get("fused"):
            writer.add_tensor(p + "attn_qkv.weight", np.concatenate([q, k, v]))
        else:
            writer.add_tensor(p + "attn_q.weight", q)
            writer.add_tensor(p + "attn_k.weight", k)
            writer.add_tensor(p + "attn_v.weight", v)
        if spec.get("qkv_bias"):
            writer.add_tensor(p + "attn_q.bias", bias(q_dim))
            writer.add_tensor(p + "attn_k.bias", bias(kv_dim))
            writer.add_tensor(p + "attn_v.bias", bias(kv_dim))
        if spec.get("qk_norm"):
            writer.add_tensor(p + "attn_q_norm.weight", norm(head_dim))
            writer.add_tensor(p + "attn_k_norm.weight", norm(head_dim))
        writer.add_tensor(p + "attn_output.weight", matrix(EMBEDDING, q_dim))
        if spec.get("sinks"):
            writer.add_tensor(p + "attn_output.bias", bias(EMBEDDING))
            writer.add_tensor(p + "attn_sinks.weight", rng.standard_normal(HEADS).astype(np.float32))
        if spec.get("post_norms"):
            writer.add_tensor(p + "post_attention_norm.weight", norm(EMBEDDING))
        if experts:
            add_experts(writer, p, spec, experts, matrix, norm, bias)
            continue
        writer.add_tensor(p + "ffn_norm.weight", norm(EMBEDDING))
        gate, up = matrix(FEED_FORWARD, EMBEDDING), matrix(FEED_FORWARD, EMBEDDING)
        if spec.get("fused"):
            writer.add_tensor(p + "ffn_up.weight", np.concatenate([gate, up]))  # silu(first half) * second half
        else:
            writer.add_tensor(p + "ffn_gate.weight", gate)
            writer.add_tensor(p + "ffn_up.weight", up)
        writer.add_tensor(p + "ffn_down.weight", matrix(EMBEDDING, FEED_FORWARD))
        if spec.get("post_norms"):
            writer.add_tensor(p + "post_ffw_norm.weight", norm(EMBEDDING))
    if spec.get("long_rope"):
        writer.add_tensor("rope_factors_long.weight", (1.0 + 3.0 * rng.random(rope_dims // 2)).astype(np.float32))
        writer.add_tensor("rope_factors_short.weight", (1.0 + 0.5 * rng.random(rope_dims // 2)).astype(np.float32))
    writer.add_tensor("output_norm.weight", norm(EMBEDDING))
    if not spec.get("tied"):
        writer.add_tensor("output.weight", matrix(vocab, EMBEDDING, 2.0))

    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()


if __name__ == "__main__":
    sys.exit(main())
