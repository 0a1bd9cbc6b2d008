/** Help texts: kept next to the flag definitions' wording in args.ts. */

export const MAIN_HELP = `fastast: Audio Spectrogram Transformer with Token Merging, from the command line

Usage:
  fastast classify FILE... [options]        predictions per window for each audio file
  fastast eval --csv FILE [options]         accuracy/speed trade-off of merge settings on a labelled set
  fastast export FILE... --format FORMAT    labelled segments to Audacity, Raven, TextGrid, CSV, clips…
  fastast models list | pull | rm           installed models; download from the Hugging Face hub
  fastast models import FILE.pth --out DIR an original AST / FastAST checkpoint → HF-layout folder
  fastast COMMAND --help                    the options of a command

Examples:
  npx fastast classify data/demo/church_bells_inspectorj_371267.flac --r 16
  npx fastast classify data/demo/*.flac --hop 2.56 --top 5 --json
  npx fastast eval --csv data/esc10/esc10_fold5.csv --r 0,16,48
  npx fastast eval --csv data/esc10/esc10_fold5.csv --models models/ast-tiny-esc10-plain,models/ast-tiny-esc10-cmkd \
      --r 0,8,16,32,48 --prop-attn both --out tradeoff.csv --cache ~/.cache/fastast-eval

The default model is models/ast-tiny-esc10-cmkd (bundled with FastAST Studio).
`;

const SHARED = `  --model DIR|ORG/NAME      HF AST checkpoint folder (config.json + model.safetensors), a
                            bundled model's name, or a hub repo id (ORG/NAME[@REVISION]) in
                            the hub cache (never downloaded here: see fastast models pull);
                            default: models/ast-tiny-esc10-cmkd of this package
  --no-prop-attn            turn proportional attention off
  --unprotect-distillation  let the distillation token be merged (FastAST code-release behaviour)
  --ep EP                   execution provider: cpu, webgpu, dml, coreml (falls back to cpu
                            with the reason on stderr); default: the platform's order
  --threads N               CPU threads for inference (0 = onnxruntime's default)
  --weights float32|int8    int8: 8-bit Linear weights, built once and cached (keys, LayerNorm,
                            softmax and the classifier head stay float32); default float32
  --batch N                 windows per engine run; default: measured per model size and EP
                            (bench/README.md, "Speed levers")
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

export const EVAL_HELP = `Usage: fastast eval (--csv FILE | --set CSV_OR_FOLDER) [options]

The accuracy / speed trade-off of token merging on a labelled set: every model at every
merge setting (each r × shape × proportional attention), with accuracy (or mAP), top-1
agreement with the same model unmerged (r = 0, same flags), inference speed on this machine,
tokens after the last layer and FLOPs. A clip longer than one window is scored by the mean
of its windows' scores.
With --weights int8 the rows run with 8-bit weights and are compared with the float32 model
at r = 0 (agreement and speed-up: what merging and int8 cost together).

Labelled set:
  --csv FILE                a CSV with columns path (or filename), fold (optional) and one of
                              category, label              one label per clip (ESC-50 layout)
                              labels, positive_labels      several per clip, in one quoted field,
                                                           separated by ; or , (AudioSet style)
                            label names are matched to the model's id2label ignoring case and
                            _/-/space; AudioSet ids (/m/09x0r) are accepted for AudioSet names
  --set PATH                a CSV as above, or a folder with one sub-folder per class
                            (dog/, rain/, … with the audio files anywhere inside)
  --audio-root DIR          folder the CSV paths are relative to (default: the CSV's folder)
  --fold N                  only the clips of fold N

Models and settings (every combination is run):
  --model DIR               one HF AST checkpoint folder (default: models/ast-tiny-esc10-cmkd)
  --models DIR,DIR          several checkpoints with the same labels, compared on one set
  --r 0,8,16                r values (default 0)
  --shape SHAPE[,SHAPE]     constant (default: r in every layer), decreasing (2r → 0),
                            increasing (0 → 2r)
  --prop-attn on|off|both   proportional attention (default on); --no-prop-attn = off
  --unprotect-distillation  let the distillation token be merged

Output:
  --json                    one JSON object per model and line (below)
  --out FILE.csv            the table, one row per model × setting (columns as the JSON rows)
  --out FILE.json           everything: per-class accuracy and AP, clips whose prediction
                            changed against r = 0, per model × setting
  --cache DIR               keep results per (model sha256, setting, file) in DIR: a repeated
                            sweep, an added setting or added clips compute only what is new
  --sessions N              N sessions per model (the others in worker threads), each with
                            --threads threads, a batch split across them: throughput on few
                            cores for small models (e.g. --sessions 2 --threads 1)
  --ep EP, --threads N, --weights, --batch   as in fastast classify --help
  -h, --help                this help

JSON: {"model","model_sha256","ep","set","clips","multi_label","rows":[{"r","accuracy" (0…1),
  "clips","clips_per_s","shape","prop_attn","protect_distillation","schedule","metric"
  ("accuracy" or "mAP"),"score","map","correct","agreement","ms_per_clip","ms_per_window",
  "batch_size","timing_from_cache","tokens_after_last","gflops","flops_ratio","computed_clips",
  "per_class":[…],"changed":[{"file","label","baseline","merged","effect",…}]}]}
The metric is accuracy for single-label sets and mAP (mean over classes with positives of
the average precision) for multi-label sets or sigmoid models.
clips_per_s and ms_per_clip are inference only (decoding and fbank are done once per clip
and shared by every setting), the median over runs after one warm-up run per setting; with
--cache they are those measured when the results were computed (timing_from_cache).
`;
