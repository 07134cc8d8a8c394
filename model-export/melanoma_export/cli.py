"""Command line: parses arguments (in groups) and hands over; no logic here.

    melanoma-export convert MODEL [--arch A --size N] --out DIR ...
    melanoma-export demo --out models/efficientnetb4-demo/1
    melanoma-export optimize models/efficientnetb4-demo/1 [--images DIR]
    melanoma-export add-heatmap models/efficientnetb4-demo/1 [--source FILE] [--images DIR]
    melanoma-export reference --model DIR --images ../shared/testdata --out DIR

Progress goes to stderr; a failure prints one line ``melanoma-export: error: <reason>`` and exits non-zero.
"""

from __future__ import annotations

import argparse
import sys
import time

from melanoma_export.errors import ExportError

PROG = "melanoma-export"


def _floats3(text: str) -> list[float]:
    try:
        values = [float(v) for v in text.split(",")]
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected three comma-separated numbers, got {text!r}") from None
    if len(values) != 3:
        raise argparse.ArgumentTypeError(f"expected three comma-separated numbers, got {text!r}")
    return values


def _fraction(text: str) -> float:
    v = float(text)
    if not 0.0 < v <= 1.0:
        raise argparse.ArgumentTypeError(f"must be in (0, 1], got {text}")
    return v


def _runtime_graph_flags(parser, default_tolerance: float) -> None:
    g = parser.add_argument_group("runtime graphs (pre-optimised model.opt-*.onnx beside model.onnx)")
    g.add_argument("--no-runtime-graphs", dest="runtime_graphs", action="store_false",
                   help="write model.onnx only (the service then optimises it at every start)")
    g.add_argument("--runtime-graph-tolerance", type=float, default=default_tolerance, metavar="T",
                   help=f"max |dprobability| of a runtime graph vs model.onnx at level all "
                        f"(default {default_tolerance:g})")


def _heatmap_flag(parser) -> None:
    parser.add_argument("--no-heatmap", dest="heatmap", action="store_false",
                        help="do not add the class activation map output 'cam' (added by default when the head is "
                             "GlobalAveragePooling + Dense(1); other heads are skipped with a message)")


def build_parser() -> argparse.ArgumentParser:
    from melanoma_export.heatmap import DEFAULT_CAM_TOLERANCE
    from melanoma_export.parity import DEFAULT_TOLERANCE
    from melanoma_export.preprocessing import RESIZE_METHODS
    from melanoma_export.quantize import DEFAULT_INT8_TOLERANCE
    from melanoma_export.rewrites import DEFAULT_REWRITES, REWRITES
    from melanoma_export.runtime_graphs import DEFAULT_RUNTIME_GRAPH_TOLERANCE
    from melanoma_export.sources import ARCHITECTURES, LAYOUTS

    parser = argparse.ArgumentParser(
        prog=PROG,
        description="Export Keras EfficientNet melanoma classifiers to ONNX, with a TensorFlow-vs-onnxruntime "
                    "parity gate, a spec (model.json) beside the model, and reference preprocessing fixtures.")
    parser.add_argument("--debug", action="store_true", help="show tracebacks instead of one-line errors")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    # ---- convert
    c = sub.add_parser("convert", help="convert a Keras model or weights file to models/<name>/<version>/",
                       description="Convert a full Keras model (.keras, legacy .h5, SavedModel with --arch) or a "
                                   "weights-only .h5 (with --arch and --size) to ONNX, check parity, write the spec.")
    g = c.add_argument_group("input")
    g.add_argument("model", help="a .keras file, a full or weights-only .h5 file, or a SavedModel directory")
    g.add_argument("--arch", choices=sorted(ARCHITECTURES),
                   help="rebuild this keras.applications architecture (+ GAP + Dense(1, sigmoid)) and load the "
                        "weights by layer name; required for weights-only files and SavedModels")
    g.add_argument("--size", type=int, help="input size in pixels (required with --arch; checked against full models)")
    g.add_argument("--layout", choices=LAYOUTS, default="auto",
                   help="layer naming of a weights file: keras.applications or qubvel efficientnet.tfkeras "
                        "(auto: qubvel when the file has no 'normalization' layer)")
    g.add_argument("--qubvel-mean", type=_floats3, metavar="R,G,B",
                   help="qubvel layout only: mean subtracted from the 0..1 image in training (default 0,0,0)")
    g.add_argument("--qubvel-std", type=_floats3, metavar="R,G,B",
                   help="qubvel layout only: std the 0..1 image was divided by in training (default 1,1,1)")

    g = c.add_argument_group("output")
    g.add_argument("--out", help="output directory (default models/<name>/<version>)")
    g.add_argument("--name", help="model name in the spec (default: the file name without extension)")
    g.add_argument("--version", default="1", help="model version in the spec (default 1)")
    g.add_argument("--threshold", type=float, default=0.5, help="decision threshold on the probability (default 0.5)")
    g.add_argument("--description", help="description in the spec")
    g.add_argument("--untrained", action="store_true", help="mark the spec trained: false")

    g = c.add_argument_group("preprocessing (recorded in the spec)")
    g.add_argument("--crop-fraction", type=_fraction,
                   help="centre-crop fraction of the shorter side (default 0.5 at 384 px, 0.6 at 224 px)")
    g.add_argument("--resize-method", choices=RESIZE_METHODS, default="bilinear")
    g.add_argument("--no-antialias", dest="antialias", action="store_false")
    g.add_argument("--input-scale", type=float, default=1.0,
                   help="model input = (pixel * scale - mean) / std; keras.applications EfficientNet takes raw "
                        "0..255 (scale 1, mean 0, std 1: its Rescaling/Normalization are in the graph)")
    g.add_argument("--input-mean", type=_floats3, default=[0.0, 0.0, 0.0], metavar="R,G,B")
    g.add_argument("--input-std", type=_floats3, default=[1.0, 1.0, 1.0], metavar="R,G,B")

    g = c.add_argument_group("graph and checks")
    g.add_argument("--rewrite", action="append", choices=sorted(REWRITES), dest="rewrites",
                   help=f"graph rewrite to apply (repeatable; default: {', '.join(DEFAULT_REWRITES)})")
    g.add_argument("--no-rewrites", action="store_true", help="export the graph as torch wrote it")
    g.add_argument("--tolerance", type=float, default=DEFAULT_TOLERANCE,
                   help=f"parity gate: max |dprobability| allowed (default {DEFAULT_TOLERANCE:g})")
    g.add_argument("--parity-inputs", type=int, default=8, help="number of parity inputs (at least 8)")
    g.add_argument("--calibration-dir",
                   help="images for the parity gate (and int8 calibration), preprocessed as the spec says; "
                        "default: deterministic noise")
    g.add_argument("--int8", action="store_true",
                   help="static int8 QDQ quantization, refused when probabilities drift beyond --int8-tolerance")
    g.add_argument("--int8-tolerance", type=float, default=DEFAULT_INT8_TOLERANCE,
                   help=f"max |dprobability| int8 vs fp32 on the calibration images (default {DEFAULT_INT8_TOLERANCE:g})")
    _heatmap_flag(g)
    _runtime_graph_flags(c, DEFAULT_RUNTIME_GRAPH_TOLERANCE)

    # ---- demo
    d = sub.add_parser("demo", help="build the deterministic untrained demo model (EfficientNetB4, 384 px)",
                       description="Generate the untrained demo model from a fixed seed: EfficientNetB4 at 384 px, "
                                   "int8-grid kernels (stored compactly), data-dependent BatchNorm statistics, a head "
                                   "scaled so that probabilities spread. trained: false.")
    g = d.add_argument_group("output")
    g.add_argument("--out", default="models/efficientnetb4-demo/1", help="output directory")
    g.add_argument("--seed", type=int, default=20240607, help="random seed (default 20240607)")
    g.add_argument("--size", type=int, default=384, help="input size (default 384)")
    g.add_argument("--arch", default="efficientnetb4", choices=sorted(ARCHITECTURES))
    g.add_argument("--tolerance", type=float, default=DEFAULT_TOLERANCE)
    _heatmap_flag(g)
    _runtime_graph_flags(d, DEFAULT_RUNTIME_GRAPH_TOLERANCE)

    # ---- optimize
    o = sub.add_parser("optimize", help="add or refresh the runtime graphs of an existing model version directory",
                       description="Save model.onnx as onnxruntime optimises it (model.opt-portable.onnx and, on "
                                   "amd64 with AVX-512F or AVX2 + FMA, model.opt-amd64-nchwc<B>.onnx), check each "
                                   "against model.onnx, and record them in model.json (runtimeGraphs). model.onnx "
                                   "must match the sha256 in model.json; it is not changed.")
    o.add_argument("model_dir", metavar="MODEL_DIR", help="model version directory (model.onnx + model.json)")
    o.add_argument("--images", metavar="DIR",
                   help="parity inputs: images preprocessed as the spec says (default: deterministic noise and "
                        "gradients; topped up with those to at least 8 inputs)")
    o.add_argument("--runtime-graph-tolerance", type=float, default=DEFAULT_RUNTIME_GRAPH_TOLERANCE, metavar="T",
                   help=f"max |dprobability| of a runtime graph vs model.onnx at level all "
                        f"(default {DEFAULT_RUNTIME_GRAPH_TOLERANCE:g})")

    # ---- add-heatmap
    h = sub.add_parser("add-heatmap", help="add the class activation map output to an existing model.onnx",
                       description="Add the output 'cam' (the last feature map weighted by the Dense layer, plus its "
                                   "bias) to MODEL_DIR/model.onnx by graph surgery, reusing the Dense weights; check it "
                                   "against TensorFlow's map on the source model (the demo is regenerated from its seed) "
                                   "and that the probabilities are unchanged; update model.json. Run optimize after it.")
    h.add_argument("model_dir", metavar="MODEL_DIR", help="model version directory (model.onnx + model.json)")
    h.add_argument("--source", help="the source Keras file, for a converted (non-demo) model; checked against the spec")
    h.add_argument("--images", metavar="DIR", help="parity inputs: images preprocessed as the spec says "
                                                   "(default: deterministic noise and gradients)")
    h.add_argument("--against", choices=("tensorflow", "graph-features"), default="tensorflow",
                   help="reference for the map: TensorFlow on the rebuilt source model (default), or numpy on the "
                        "graph's own feature map, when the source cannot be rebuilt with the same weights")
    h.add_argument("--cam-tolerance", type=float, default=DEFAULT_CAM_TOLERANCE, metavar="T",
                   help=f"max |difference| of the min-max scaled map vs TensorFlow's (default {DEFAULT_CAM_TOLERANCE:g})")

    # ---- reference
    r = sub.add_parser("reference", help="write reference preprocessing fixtures for the Java tests",
                       description="Run the reference preprocessing over a folder of images and write fixtures.json "
                                   "plus one lossless PNG per preprocessed tensor, with the probabilities of the "
                                   "source model (TensorFlow) and of model.onnx (onnxruntime).")
    g = r.add_argument_group("input")
    g.add_argument("--model", required=True, help="model version directory (model.onnx + model.json)")
    g.add_argument("--images", default="../shared/testdata",
                   help="image root; reads its dermoscopy/, exif-orientation/ and formats/ (default ../shared/testdata)")
    g.add_argument("--source", help="the source Keras file, for a converted (non-demo) model; checked against the spec")
    g.add_argument("--labels", help="labels CSV (file,label); default: <images>/dermoscopy/labels.csv")
    g = r.add_argument_group("output")
    g.add_argument("--out", required=True, help="fixtures directory (fixtures.json + tensors/)")
    g.add_argument("--max-bytes", type=int, default=8_000_000,
                   help="size budget for the tensors; beyond it keep a subset, dermoscopy first (default 8000000)")
    return parser


def main(argv=None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    start = time.monotonic()
    from melanoma_export import backend

    backend.use("torch")  # before anything imports keras (tensorflow may pull it in)

    def progress(msg: str) -> None:
        print(f"[{time.monotonic() - start:6.1f}s] {msg}", file=sys.stderr, flush=True)

    try:
        if args.command == "convert":
            from melanoma_export.pipeline import convert
            from melanoma_export.rewrites import DEFAULT_REWRITES

            rewrites = [] if args.no_rewrites else (args.rewrites or list(DEFAULT_REWRITES))
            out = convert(
                model_path=args.model, out_dir=args.out, name=args.name, version=args.version, arch=args.arch,
                size=args.size, layout=args.layout, qubvel_mean=args.qubvel_mean, qubvel_std=args.qubvel_std,
                crop_fraction=args.crop_fraction, resize_method=args.resize_method, antialias=args.antialias,
                scale=args.input_scale, mean=args.input_mean, std=args.input_std, threshold=args.threshold,
                rewrite_names=rewrites, tolerance=args.tolerance, calibration_dir=args.calibration_dir,
                parity_inputs=args.parity_inputs, int8=args.int8, int8_tolerance=args.int8_tolerance,
                trained=not args.untrained, description=args.description, runtime_graphs=args.runtime_graphs,
                runtime_graph_tolerance=args.runtime_graph_tolerance, heatmap=args.heatmap, progress=progress)
        elif args.command == "demo":
            from melanoma_export.demo import build_demo

            out = build_demo(out_dir=args.out, seed=args.seed, arch=args.arch, size=args.size,
                             tolerance=args.tolerance, runtime_graphs=args.runtime_graphs,
                             runtime_graph_tolerance=args.runtime_graph_tolerance, heatmap=args.heatmap,
                             progress=progress)
        elif args.command == "add-heatmap":
            from melanoma_export.heatmap import add_to_model_dir

            out = add_to_model_dir(model_dir=args.model_dir, source_path=args.source, images=args.images,
                                   tolerance=args.cam_tolerance, against=args.against, progress=progress)
        elif args.command == "optimize":
            from melanoma_export.runtime_graphs import optimize

            out = optimize(model_dir=args.model_dir, images=args.images, tolerance=args.runtime_graph_tolerance,
                           progress=progress)
        elif args.command == "reference":
            from melanoma_export.reference import write_fixtures

            out = write_fixtures(model_dir=args.model, images_root=args.images, out_dir=args.out,
                                 source_path=args.source, labels_csv=args.labels, max_bytes=args.max_bytes,
                                 progress=progress)
        else:  # pragma: no cover - argparse enforces the choices
            parser.error(f"unknown command {args.command}")
    except ExportError as e:
        if args.debug:
            raise
        print(f"{PROG}: error: {e}", file=sys.stderr)
        return e.exit_code
    except KeyboardInterrupt:
        print(f"{PROG}: error: interrupted", file=sys.stderr)
        return 130
    except Exception as e:  # an unexpected failure still ends in one line
        if args.debug:
            raise
        first = str(e).strip().splitlines()[0] if str(e).strip() else ""
        print(f"{PROG}: error: unexpected {type(e).__name__}: {first} (run with --debug for the traceback)",
              file=sys.stderr)
        return 1
    print(out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
