/** Help texts: kept next to the flag definitions' wording in args.ts. */

export const MAIN_HELP = `fastast: Audio Spectrogram Transformer with Token Merging, from the command line

Usage:
  fastast classify FILE... [options]        predictions per window for each audio file
  fastast eval --csv FILE --audio-root DIR  accuracy of a labelled set for one or more r
  fastast export FILE... --format FORMAT    labelled segments to Audacity, Raven, TextGrid, CSV, clips…
  fastast COMMAND --help                    the options of a command

Examples:
  npx fastast classify data/demo/church_bells_inspectorj_371267.flac --r 16
  npx fastast classify data/demo/*.flac --hop 2.56 --top 5 --json
  npx fastast eval --csv data/esc10/esc10_fold5.csv --audio-root data/esc10 --r 0,16,48

The default model is models/ast-tiny-esc10-cmkd (bundled with FastAST Studio).
`;

const SHARED = `  --model DIR               HF AST checkpoint folder (config.json + model.safetensors);
                            default: models/ast-tiny-esc10-cmkd of this package
  --no-prop-attn            turn proportional attention off
  --unprotect-distillation  let the distillation token be merged (FastAST code-release behaviour)
  --ep EP                   execution provider: cpu, webgpu, dml, coreml (falls back to cpu
                            with the reason on stderr); default: the platform's order
  --threads N               CPU threads for inference (0 = onnxruntime's default)
  --json                    machine-readable output (one JSON object per line)
  -h, --help                this help`;

export const CLASSIFY_HELP = `Usage: fastast classify FILE... [options]

Decodes each file (wav, flac, mp3, ogg, opus, m4a), computes the log-mel fbank of the whole
file, cuts it into model windows (window k starts at k·hop) and classifies every window.

Merge schedule (one of):
  --r N                     merge N tokens in every layer (default 0: no merging)
  --r N --inflection X      ToMe's schedule: -1 decreasing from 2N to 0, 0 constant, 1 increasing
  --schedule a,b,c          r per layer, padded with 0 to the model's depth

Options:
  --hop SECONDS             step between windows (default: one window, e.g. 5.12 s)
  --top K                   classes to show per window (default 3)
  --logits                  include the raw logits of each window (with --json)
${SHARED}

JSON (per file): {"file","model","ep","schedule":[r per layer],"windows":[{"start_s","end_s",
  "top":[{"label","score"}],"logits":[..] (with --logits),"tokens_per_layer":[..]}],
  "timings_ms":{"decode","fbank","infer"}}
A file that fails is reported on stderr; the others are still classified; the exit code is 1.
`;

export const EVAL_HELP = `Usage: fastast eval --csv FILE --audio-root DIR [options]

Accuracy of the model on a labelled set, for each r of a sweep (constant r per layer).
A clip longer than one window is scored by the mean of its windows' scores.

Options:
  --csv FILE                columns: path (relative to --audio-root), fold, and category or label
                            (label names matched to the model's id2label, ignoring case and _/-/space)
  --audio-root DIR          folder the CSV paths are relative to
  --fold N                  only the clips of fold N
  --r 0,8,16                the r values to sweep (default 0)
${SHARED}

JSON: {"model","rows":[{"r","accuracy" (0…1),"clips","clips_per_s"}]}
clips_per_s is inference throughput at that r (decoding and fbank are done once and shared).
`;
