#!/usr/bin/env python3
"""PyTorch eager baseline for `npm run bench`: one AST window, r = 0, fp32, CPU.

A plain PyTorch forward equal in definition to HuggingFace `ASTForAudioClassification` with
eager attention (transformers' `ASTEmbeddings` / `ASTLayer` / `ASTForAudioClassification`):

  input (B, T, F) -> unsqueeze(1).transpose(2, 3) -> Conv2d(1, D, 16, stride=(fs, ts))
  -> flatten(2).transpose(1, 2) -> [cls, dist, patches] + position embeddings
  -> L x pre-LN layer: x += Wo·softmax(QKᵀ/√d_h)V (LN before), x += W2·GELU(W1·LN(x))
  -> final LayerNorm -> mean of tokens 0 and 1 -> classifier LayerNorm + Linear.

Weights are random (same shapes as the checkpoint the config describes); only speed is
measured. Prints one JSON object on stdout.

Usage: /usr/bin/python3 bench/pytorch_ast.py --config test/fixtures/ast-base-config.json \
           --threads 2 --runs 3 [--warmup 1] [--batch 1] [--torch-threads 1] [--serve]
       /usr/bin/python3 bench/pytorch_ast.py --verify test/fixtures
           (runs the fixtures' tiny AST with its real weights on the 15 fixture inputs and compares
           the logits with the transformers-computed r0 references: this forward is HF's AST)
"""
from __future__ import annotations

import argparse
import json
import math
import os
import platform
import resource
import statistics
import sys
import time


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--config", help="HF config.json of an AST classifier")
    ap.add_argument("--weights", help="model.safetensors in HF naming (default: random weights)")
    ap.add_argument("--verify", metavar="FIXTURES_DIR", help="check this forward against the fixtures and exit")
    ap.add_argument("--threads", type=int, default=2, help="torch.set_num_threads and the BLAS pool size")
    ap.add_argument("--torch-threads", type=int, default=None,
                    help="torch.set_num_threads (OpenMP pool for non-GEMM ops) if different from --threads; "
                         "the BLAS pool keeps --threads")
    ap.add_argument("--runs", type=int, default=3, help="timed runs (median reported)")
    ap.add_argument("--warmup", type=int, default=1, help="untimed runs first")
    ap.add_argument("--batch", type=int, default=1, help="windows per forward")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--device", default="cpu", help="torch device (bench/gpu.sh passes cuda when torch sees a GPU)")
    ap.add_argument("--dtype", default="float32", choices=["float32", "float16"], help="weights and activations")
    ap.add_argument("--serve", action="store_true",
                    help="after the warm-up, time one forward per 'run' line on stdin (JSON line each); 'quit' ends")
    args = ap.parse_args()
    if args.verify:
        args.config = os.path.join(args.verify, "tiny-ast", "config.json")
        args.weights = os.path.join(args.verify, "tiny-ast", "model.safetensors")
    if not args.config:
        ap.error("--config is required (or --verify)")

    try:
        import torch
        import torch.nn.functional as F
    except ImportError as e:  # the bench reports this and says how to install
        print(json.dumps({"ok": False, "error": f"torch not importable: {e}"}))
        return 2

    blas: list[dict] = []
    limiter = None
    try:
        import threadpoolctl

        limiter = threadpoolctl.threadpool_limits(limits=args.threads, user_api="blas")
    except ImportError:
        threadpoolctl = None  # type: ignore[assignment]
    torch_threads = args.torch_threads or args.threads
    torch.set_num_threads(torch_threads)
    torch.set_num_interop_threads(1)
    if threadpoolctl is not None:
        blas = [
            {k: info.get(k) for k in ("internal_api", "version", "architecture", "threading_layer", "num_threads", "filepath")}
            for info in threadpoolctl.threadpool_info()
        ]

    with open(args.config) as f:
        cfg = json.load(f)
    D = int(cfg["hidden_size"])
    L = int(cfg["num_hidden_layers"])
    H = int(cfg["num_attention_heads"])
    M = int(cfg["intermediate_size"])
    mel = int(cfg.get("num_mel_bins", 128))
    T = int(cfg.get("max_length", 1024))
    P = int(cfg.get("patch_size", 16))
    fs = int(cfg.get("frequency_stride", 10))
    ts = int(cfg.get("time_stride", 10))
    eps = float(cfg.get("layer_norm_eps", 1e-12))
    C = len(cfg.get("id2label") or {}) or 527
    fp = (mel - P) // fs + 1
    tp = (T - P) // ts + 1
    N = fp * tp + 2
    dh = D // H

    g = torch.Generator().manual_seed(args.seed)

    def rnd(*shape: int, scale: float = 0.02) -> torch.Tensor:
        return (torch.randn(*shape, generator=g) * scale).contiguous()

    def ln_params() -> tuple[torch.Tensor, torch.Tensor]:
        return 1 + rnd(D, scale=0.1), rnd(D)

    if args.weights:
        T_ = read_safetensors(args.weights, torch)
        pre = "audio_spectrogram_transformer"
        emb = f"{pre}.embeddings"
        W = {
            "patch_w": T_[f"{emb}.patch_embeddings.projection.weight"], "patch_b": T_[f"{emb}.patch_embeddings.projection.bias"],
            "cls": T_[f"{emb}.cls_token"], "dist": T_[f"{emb}.distillation_token"], "pos": T_[f"{emb}.position_embeddings"],
            "ln": (T_[f"{pre}.layernorm.weight"], T_[f"{pre}.layernorm.bias"]),
            "head_ln": (T_["classifier.layernorm.weight"], T_["classifier.layernorm.bias"]),
            "head_w": T_["classifier.dense.weight"], "head_b": T_["classifier.dense.bias"],
        }
        C = W["head_w"].shape[0]
        layers = []
        for i in range(L):
            p = f"{pre}.encoder.layer.{i}"
            wb = lambda n: (T_[f"{p}.{n}.weight"], T_[f"{p}.{n}.bias"])
            layers.append({
                "ln1": wb("layernorm_before"), "ln2": wb("layernorm_after"),
                "q": wb("attention.attention.query"), "k": wb("attention.attention.key"), "v": wb("attention.attention.value"),
                "o": wb("attention.output.dense"), "fc1": wb("intermediate.dense"), "fc2": wb("output.dense"),
            })
    else:
        W = {
            "patch_w": rnd(D, 1, P, P), "patch_b": rnd(D),
            "cls": rnd(1, 1, D), "dist": rnd(1, 1, D), "pos": rnd(1, N, D),
            "ln": ln_params(), "head_ln": ln_params(), "head_w": rnd(C, D), "head_b": rnd(C),
        }
        layers = []
        for _ in range(L):
            layers.append({
                "ln1": ln_params(), "ln2": ln_params(),
                "q": (rnd(D, D), rnd(D)), "k": (rnd(D, D), rnd(D)), "v": (rnd(D, D), rnd(D)),
                "o": (rnd(D, D), rnd(D)), "fc1": (rnd(M, D), rnd(M)), "fc2": (rnd(D, M), rnd(D)),
            })

    if args.device != "cpu" or args.dtype != "float32":
        dtype = torch.float16 if args.dtype == "float16" else torch.float32
        move = lambda t: t.to(args.device, dtype)
        W = {k: tuple(map(move, v)) if isinstance(v, tuple) else move(v) for k, v in W.items()}
        layers = [{k: tuple(map(move, v)) for k, v in lw.items()} for lw in layers]

    scale = 1.0 / math.sqrt(dh)

    def forward(x: torch.Tensor) -> torch.Tensor:
        B = x.shape[0]
        # ASTPatchEmbeddings: (B, T, F) -> (B, 1, F, T) -> conv -> (B, patches, D)
        x = x.unsqueeze(1).transpose(2, 3)
        x = F.conv2d(x, W["patch_w"], W["patch_b"], stride=(fs, ts)).flatten(2).transpose(1, 2)
        x = torch.cat([W["cls"].expand(B, -1, -1), W["dist"].expand(B, -1, -1), x], dim=1) + W["pos"]
        for lw in layers:
            h = F.layer_norm(x, (D,), *lw["ln1"], eps)
            q = F.linear(h, *lw["q"]).view(B, N, H, dh).transpose(1, 2)
            k = F.linear(h, *lw["k"]).view(B, N, H, dh).transpose(1, 2)
            v = F.linear(h, *lw["v"]).view(B, N, H, dh).transpose(1, 2)
            # eager attention as in transformers' eager_attention_forward
            att = torch.matmul(q, k.transpose(-1, -2)) * scale
            att = torch.softmax(att, dim=-1)
            ctx = torch.matmul(att, v).transpose(1, 2).reshape(B, N, D)
            x = x + F.linear(ctx, *lw["o"])
            h = F.layer_norm(x, (D,), *lw["ln2"], eps)
            x = x + F.linear(F.gelu(F.linear(h, *lw["fc1"])), *lw["fc2"])
        x = F.layer_norm(x, (D,), *W["ln"], eps)
        pooled = (x[:, 0] + x[:, 1]) / 2
        return F.linear(F.layer_norm(pooled, (D,), *W["head_ln"], eps), W["head_w"], W["head_b"])

    if args.verify:
        return verify(args.verify, forward, torch, T, mel)

    inp = torch.randn(args.batch, T, mel, generator=g).to(args.device, torch.float16 if args.dtype == "float16" else torch.float32)
    sync = torch.cuda.synchronize if args.device.startswith("cuda") else (lambda: None)
    gemm_blas = next((b for b in blas if b.get("internal_api") not in ("openmp",)), None)
    info = {
        "ok": True,
        "impl": "pytorch-eager",
        "torch": torch.__version__,
        "python": platform.python_version(),
        "threads": args.threads,
        "torch_threads": torch_threads,
        "batch": args.batch,
        "device": args.device if not args.device.startswith("cuda") else f"{args.device} ({torch.cuda.get_device_name()})",
        "dtype": args.dtype,
        "tokens": N,
        "hidden": D, "layers": L, "heads": H, "mlp": M, "labels": C,
        "warmup": args.warmup,
        "blas": gemm_blas,
        "threadpools": blas,
        "env": {k: os.environ.get(k) for k in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE", "OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "GLIBC_TUNABLES")},
    }
    max_rss = lambda: round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)

    def timed() -> float:
        sync()
        t0 = time.perf_counter()
        out = forward(inp)
        sync()
        ms = (time.perf_counter() - t0) * 1000
        assert out.shape == (args.batch, C) and bool(torch.isfinite(out).all())
        return ms

    with torch.inference_mode():
        for _ in range(args.warmup):
            timed()
        if args.serve:
            # One JSON line per request on stdin ("run" → {"ms"}; "quit" → {"max_rss_mb"}), so that
            # the bench can interleave these runs with onnxruntime's and both see the same load.
            print(json.dumps({**info, "ready": True}), flush=True)
            for line in sys.stdin:
                cmd = line.strip()
                if cmd == "run":
                    print(json.dumps({"ms": round(timed() / args.batch, 2)}), flush=True)
                elif cmd == "quit":
                    break
            print(json.dumps({"max_rss_mb": max_rss()}), flush=True)
            return 0
        times = [timed() for _ in range(args.runs)]
    if limiter is not None:
        limiter.restore_original_limits()
    print(json.dumps({
        **info,
        "runs_ms": [round(t, 1) for t in times],
        "ms_per_window": round(statistics.median(times) / args.batch, 1),
        "max_rss_mb": max_rss(),
    }))
    return 0


def read_safetensors(path: str, torch) -> dict:
    """Minimal safetensors reader (8-byte header length, JSON header, raw little-endian data)."""
    import struct

    with open(path, "rb") as f:
        buf = f.read()
    (n,) = struct.unpack("<Q", buf[:8])
    header = json.loads(buf[8:8 + n])
    dtypes = {"F32": torch.float32, "F16": torch.float16, "BF16": torch.bfloat16, "I32": torch.int32, "I64": torch.int64}
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        a, b = info["data_offsets"]
        raw = bytearray(buf[8 + n + a:8 + n + b])
        t = torch.frombuffer(raw, dtype=dtypes[info["dtype"]]) if b > a else torch.empty(0, dtype=dtypes[info["dtype"]])
        out[name] = t.reshape(info["shape"]).float() if t.is_floating_point() else t.reshape(info["shape"])
    return out


def verify(fixtures: str, forward, torch, T: int, mel: int) -> int:
    """Logits of this forward vs transformers' (tome_cases *.r0.prop.logits: merging off)."""
    cases = read_safetensors(os.path.join(fixtures, "tome_cases.safetensors"), torch)
    feats = {**read_safetensors(os.path.join(fixtures, "features_synthetic.safetensors"), torch),
             **read_safetensors(os.path.join(fixtures, "features_real.safetensors"), torch)}
    names = sorted(k[: -len(".input_values")] for k in feats if k.endswith(".input_values"))
    worst = 0.0
    rows = []
    with torch.inference_mode():
        for name in names:
            ref = cases[f"{name}.r0.prop.logits"]
            got = forward(feats[f"{name}.input_values"].reshape(1, T, mel))[0]
            d = float((got - ref).abs().max())
            worst = max(worst, d)
            rows.append({"input": name, "max_abs_diff": d})
    ok = worst <= 1e-4
    print(json.dumps({"ok": ok, "verify": "pytorch_ast.py vs transformers ASTForAudioClassification (fixtures r0)",
                      "inputs": len(rows), "max_abs_logit_diff": worst, "rows": rows}))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
