"""Command line: parses arguments (in groups) and hands over; no logic here.

    melanoma-export convert MODEL [--arch A --size N] [--metadata isic2020] --out DIR ...
    melanoma-export demo --out models/efficientnetb4-demo/1
    melanoma-export optimize models/efficientnetb4-demo/1 [--images DIR]
    melanoma-export add-heatmap models/efficientnetb4-demo/1 [--source FILE] [--images DIR]
    melanoma-export reference --model DIR --images testdata --out DIR
    melanoma-export evaluate --service URL --images DIR --labels CSV [--out DIR] [--reference]
    melanoma-export calibrate MODEL_DIR --service URL --images DIR --labels CSV
                              (--target-sensitivity S | --threshold T) [--calibration platt|isotonic|none] --out DIR
    melanoma-export reference --no-probabilities --size 128 --resize opencv:area --out DIR
    melanoma-export match-tfrecords --tfrecords FILE... --images DIR
    melanoma-export ensemble DIR [DIR ...] --out OUT [--weights w1,w2,...] [--tta none|dihedral8] [--images DIR]
    melanoma-export train [--data ../shared/isic-train] --out runs/isic-b0 [--size N --epochs N --folds K ...]

Progress goes to stderr; a failure prints one line ``melanoma-export: error: <reason>`` and exits non-zero.
"""

from __future__ import annotations

import argparse
import sys
import time

from melanoma_export import backend
from melanoma_export.calibrate import calibrate
from melanoma_export.ensemble import DEFAULT_PARITY_PHOTOS, TTA_CHOICES, build_ensemble
from melanoma_export.errors import ExportError
from melanoma_export.evaluate import evaluate
from melanoma_export.evaluation import BOOTSTRAP_RESAMPLES
from melanoma_export.heatmap import DEFAULT_CAM_TOLERANCE
from melanoma_export.match import match_tfrecords
from melanoma_export.metadata import ENCODINGS
from melanoma_export.parity import DEFAULT_TOLERANCE
from melanoma_export.pipeline import (CheckOptions, InputOptions, OutputOptions, SourceOptions, add_heatmap, build_demo,
                                      convert, optimize)
from melanoma_export.preprocessing import (CHROMA_SUBSAMPLINGS, DEFAULT_RESIZE, JPEG_DCT_METHODS, JPEG_ENCODERS, ORDERS,
                                           RESIZE_CHOICES, choices_from_flags)
from melanoma_export.quantize import DEFAULT_INT8_TOLERANCE
from melanoma_export.recipe import TrainConfig
from melanoma_export.reference import write_fixtures
from melanoma_export.rewrites import DEFAULT_REWRITES, REWRITES
from melanoma_export.runtime_graphs import DEFAULT_RUNTIME_GRAPH_TOLERANCE
from melanoma_export.sources import ARCHITECTURES, LAYOUTS

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


def _quality(text: str) -> int:
    try:
        v = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected an integer 1..100, got {text!r}") from None
    if not 1 <= v <= 100:
        raise argparse.ArgumentTypeError(f"must be 1..100, got {text}")
    return v


def _preprocessing_flags(g, *, overrides: bool) -> None:
    """The preprocessing choices, shared by convert (defaults: the v2 pipeline) and reference (defaults: the
    model's own spec). How they combine is preprocessing.choices_from_flags."""

    keep = " (default: the model's)" if overrides else ""
    g.add_argument("--crop-fraction", type=_fraction,
                   help="centre-crop fraction of the shorter side" +
                        (keep if overrides else " (default 0.5 at 384 px, 0.6 at 224 px)"))
    g.add_argument("--resize", choices=list(RESIZE_CHOICES), metavar="LIB:METHOD",
                   help=f"resize as this library does it: {', '.join(RESIZE_CHOICES)}" +
                        (keep if overrides else f" (default {DEFAULT_RESIZE})"))
    g.add_argument("--order", choices=ORDERS,
                   help="crop-then-resize: centre crop, then resize; resize-then-crop: shorter side to "
                        "size/crop-fraction, then centre crop" + (keep if overrides else " (default crop-then-resize)"))
    g.add_argument("--jpeg-roundtrip", type=_quality, metavar="QUALITY",
                   help="store the model-sized image as JPEG at this quality and decode it again with "
                        "tf.io.decode_jpeg, as training stored and read it" + (keep if overrides else " (default: none)"))
    if overrides:
        g.add_argument("--no-jpeg-roundtrip", action="store_true", help="no JPEG round trip" + keep)
    g.add_argument("--jpeg-subsampling", choices=CHROMA_SUBSAMPLINGS,
                   help="chroma subsampling of the round trip (default 4:2:0, what OpenCV and Pillow write)")
    g.add_argument("--jpeg-dct", choices=list(JPEG_DCT_METHODS),
                   help="DCT method of the round trip's decode: tensorflow-default (tf.io.decode_jpeg's default, "
                        "INTEGER_FAST) or accurate (INTEGER_ACCURATE) (default tensorflow-default)")
    g.add_argument("--jpeg-encoder", choices=JPEG_ENCODERS,
                   help="who wrote the JPEG: opencv (cv2.imencode) or pillow (Image.save) (default opencv)")
    if not overrides:
        g.add_argument("--resize-method", choices=("bilinear", "bicubic", "area", "nearest"),
                       help="deprecated: use --resize (bilinear = tensorflow:bilinear-antialias, "
                            "bicubic = tensorflow:bicubic-antialias; area and nearest are refused)")
        g.add_argument("--no-antialias", dest="antialias", action="store_false",
                       help="deprecated: with bilinear, use --resize tensorflow:bilinear")


def _heatmap_flag(parser) -> None:
    parser.add_argument("--no-heatmap", dest="heatmap", action="store_false",
                        help="do not add the class activation map output 'cam' (added by default when the head is "
                             "GlobalAveragePooling + Dense(1); other heads are skipped with a message)")


def build_parser() -> argparse.ArgumentParser:
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
    g.add_argument("--training-report", metavar="FILE",
                   help="the training.json `train` wrote: its data, recipe and TensorFlow validation AUC go into "
                        "model.json (source.training) and the model card")

    g = c.add_argument_group("preprocessing (recorded in the spec)")
    _preprocessing_flags(g, overrides=False)
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
    g.add_argument("--metadata", choices=sorted(ENCODINGS), metavar="ENCODING",
                   help="the model has a second input, a patient metadata vector, in this encoding (isic2020: "
                        "sex, age/90, anatomic site one-hot + missing; 9 values); recorded in model.json "
                        "extraInputs, and the parity gate feeds metadata cases beside every image")
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
                                   "must match the sha256 in model.json; it is not changed. An NCHWc graph model.json lists for "
                                   "another block size (made on another CPU) is kept while its files match.")
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
    g.add_argument("--model", help="model version directory (model.onnx + model.json); optional with "
                                   "--no-probabilities (then the preprocessing is the default one plus the flags)")
    g.add_argument("--images", default="testdata",
                   help="image root; reads its dermoscopy/, exif-orientation/ and formats/ (default testdata)")
    g.add_argument("--source", help="the source Keras file, for a converted (non-demo) model; checked against the spec")
    g.add_argument("--labels", help="labels CSV (file,label); default: <images>/dermoscopy/labels.csv")
    g = r.add_argument_group("output")
    g.add_argument("--out", required=True, help="fixtures directory (fixtures.json + tensors/)")
    g.add_argument("--max-bytes", type=int, default=12_000_000,
                   help="size budget for the tensors; beyond it keep a subset, dermoscopy first (default 12000000)")
    g = r.add_argument_group("preprocessing (overrides the model's; for preprocessing-only fixtures)")
    _preprocessing_flags(g, overrides=True)
    g.add_argument("--size", type=int, help="model input size (only with --no-probabilities; default the model's, "
                                            "else 384)")
    g.add_argument("--no-probabilities", dest="probabilities", action="store_false",
                   help="write tensors only: no model is run, so --size and any preprocessing may be given")

    # ---- match-tfrecords
    m = sub.add_parser("match-tfrecords", help="find the preprocessing a model was trained with, from its TFRecords",
                       description="For each TFRecord whose image name matches an original photo in --images, try "
                                   "the preprocessing candidates (crop fraction, order, resize, JPEG round trip) and "
                                   "print them ranked by mean and max |dpixel| against the stored training image; "
                                   "the last line is the convert flags of the best.")
    m.add_argument("--tfrecords", nargs="+", required=True, metavar="FILE", help="TFRecord files (tf.train.Example)")
    m.add_argument("--images", required=True, metavar="DIR", help="the original photos (searched recursively)")
    m.add_argument("--image-feature", default="image_name",
                   help="the feature holding the photo's name, matched to a file name or stem (default image_name)")
    m.add_argument("--image-key", default="image", help="the feature holding the encoded image (default image)")
    m.add_argument("--sample", type=int, default=8,
                   help="records the search stages run on; the best candidates are then measured on all (default 8)")
    m.add_argument("--top", type=int, default=10, help="candidates measured on all records and printed (default 10)")

    # ---- ensemble

    n = sub.add_parser("ensemble", help="combine converted model version directories into one ensemble version",
                       description="Copy each member version directory (made by convert) under OUT/members/<name>/ "
                                   "and write OUT/model.json: the members, their weights and costs, the combination "
                                   "(weighted mean of the member probabilities, optionally over the 8 dihedral views "
                                   "of each member's input), after a parity gate over the whole ensemble: each "
                                   "member's Keras source on TensorFlow with the reference preprocessing against "
                                   "onnxruntime on the member graphs.")
    g = n.add_argument_group("input")
    g.add_argument("member_dirs", nargs="+", metavar="DIR", help="member version directories (model.json + model.onnx)")
    g.add_argument("--weights", metavar="W1,W2,...", help="one weight > 0 per member (default: equal, 1.0 each)")
    g.add_argument("--tta", choices=TTA_CHOICES, default="none",
                   help="test-time augmentation: none, or dihedral8 (the mean over the 8 rotations and mirrored "
                        "rotations of each member's input, run as one batch of 8; square inputs only)")
    g.add_argument("--source", action="append", default=[], metavar="FILE", dest="sources",
                   help="a member's source Keras file, matched to the member by the sha256 its model.json records "
                        "(repeatable; default: the recorded file name in or up to two folders above the member "
                        "directory; demo members are regenerated from their seed)")
    g.add_argument("--skip-unavailable-sources", action="store_true",
                   help="gate a member whose source is not found or cannot be used (e.g. its weights digest differs) "
                        "on onnxruntime only, instead of refusing (recorded in parity.membersWithoutReference)")
    g = n.add_argument_group("output")
    g.add_argument("--out", required=True, help="the ensemble version directory (new or empty)")
    g.add_argument("--name", default="ensemble", help="ensemble name in the spec (default ensemble)")
    g.add_argument("--version", default="1", help="version in the spec (default 1)")
    g.add_argument("--threshold", type=float, default=0.5, help="decision threshold on the combined probability "
                                                                 "(default 0.5)")
    g.add_argument("--description", help="description in the spec")
    g = n.add_argument_group("parity gate")
    g.add_argument("--images", metavar="DIR", help="photos for the gate (its dermoscopy/, exif-orientation/ and "
                                                  "formats/ when present, broken/ skipped); default: synthetic photos")
    g.add_argument("--parity-inputs", type=int, default=DEFAULT_PARITY_PHOTOS, metavar="N",
                   help=f"photos the gate uses (default {DEFAULT_PARITY_PHOTOS})")
    g.add_argument("--tolerance", type=float, default=DEFAULT_TOLERANCE,
                   help=f"max |dprobability|, members and ensemble (default {DEFAULT_TOLERANCE:g})")

    # ---- evaluate

    e = sub.add_parser("evaluate", help="send labelled photos through the running service and report its accuracy",
                       description="POST every labelled photo to the service's /v1/predictions (raw body, as a phone "
                                   "does) and write report.json, report.md, roc.png, calibration.png and "
                                   "MODEL_CARD.md: AUC with a bootstrap 95 %% interval, sensitivity, specificity, "
                                   "PPV, NPV at the service's threshold, the confusion matrix, subgroups, every "
                                   "photo's answer or error.")
    _service_flags(e)
    g = e.add_argument_group("output")
    g.add_argument("--out", default="evaluation", help="report directory (default ./evaluation)")
    g.add_argument("--bootstrap", type=int, default=BOOTSTRAP_RESAMPLES, metavar="N",
                   help=f"bootstrap resamples for the AUC interval (default {BOOTSTRAP_RESAMPLES})")
    g = e.add_argument_group("reference")
    g.add_argument("--reference", action="store_true",
                   help="also run the TensorFlow reference (source Keras model + reference preprocessing) on the "
                        "same photos and report the largest per-photo |service - TensorFlow| difference")
    g.add_argument("--source", help="with --reference, for a converted (non-demo) model: the Keras file it was "
                                    "converted from (checked against model.json)")

    # ---- calibrate
    k = sub.add_parser("calibrate", help="choose the threshold (and a calibration) on labelled photos: a new version",
                       description="Send labelled photos through the service running MODEL_DIR's model, fit the "
                                   "calibration (if asked) on its probabilities, choose the threshold on the "
                                   "probability the service will compare with it (the calibrated one when "
                                   "calibrated), and write a new version directory: MODEL_DIR's graphs (hard links "
                                   "where possible), model.json with decision.threshold, decision.chosenBy, "
                                   "calibration and evaluation, and MODEL_CARD.md.")
    k.add_argument("model_dir", metavar="MODEL_DIR", help="the version directory the service is running")
    _service_flags(k)
    g = k.add_argument_group("operating point")
    m = g.add_mutually_exclusive_group(required=True)
    m.add_argument("--target-sensitivity", type=_fraction, metavar="S",
                   help="the highest threshold whose sensitivity on these photos is at least S")
    m.add_argument("--threshold", type=float, metavar="T", help="this threshold")
    g.add_argument("--calibration", choices=("platt", "isotonic", "none"), default="none",
                   help="fit a calibration map on these photos (default none)")
    g = k.add_argument_group("output")
    g.add_argument("--out", required=True, help="the new version directory")
    g.add_argument("--version", help="the new version's name (default: MODEL_DIR's plus one)")
    g.add_argument("--bootstrap", type=int, default=BOOTSTRAP_RESAMPLES, metavar="N",
                   help=f"bootstrap resamples for the AUC interval (default {BOOTSTRAP_RESAMPLES})")

    # ---- train
    t = sub.add_parser("train", help="train an EfficientNet from scratch on labelled photos, as the notebooks did",
                       description="Write the photos as TFRecords (OpenCV decode, centre crop, INTER_AREA, JPEG q95) "
                                   "in stratified folds, then train keras.applications EfficientNet with random "
                                   "weights on the other folds for each trained fold: augmentation, weighted binary "
                                   "cross-entropy, warm-up then cosine decay, a checkpoint after every epoch (run the "
                                   "same command again to go on), the validation fold's AUC measured in TensorFlow. "
                                   "Writes OUT/fold<k>/model.keras, OUT/fold<k>/validation.csv and OUT/training.json.")

    dflt = TrainConfig()
    g = t.add_argument_group("data")
    g.add_argument("--data", default=dflt.data, metavar="DIR",
                   help=f"photos and labels.csv (image,melanoma[,diagnosis] or file,label) (default {dflt.data})")
    g.add_argument("--labels", metavar="CSV", help="the labels file (default DIR/labels.csv)")
    g.add_argument("--limit", type=int, metavar="N", help="only the first N photos (a quick trial)")
    g = t.add_argument_group("output")
    g.add_argument("--out", default=dflt.out, metavar="DIR", help=f"run directory, resumed if it exists (default {dflt.out})")
    g.add_argument("--stop-after-epochs", type=int, metavar="N",
                   help="stop after N epochs in this call (the run goes on when started again)")
    g = t.add_argument_group("recipe")
    g.add_argument("--arch", default=dflt.arch, help=f"keras.applications EfficientNet B0..B3 (default {dflt.arch})")
    g.add_argument("--size", type=int, default=dflt.size, help=f"model input side in pixels (default {dflt.size})")
    g.add_argument("--crop-fraction", type=_fraction, default=dflt.crop_fraction,
                   help=f"centre-crop fraction of the shorter side before the resize (default {dflt.crop_fraction:g})")
    g.add_argument("--folds", type=int, default=dflt.folds, help=f"stratified folds (default {dflt.folds})")
    g.add_argument("--train-folds", default=",".join(map(str, dflt.train_folds)), metavar="K[,K...]",
                   help="the folds to train, each validated on itself (default 0)")
    g.add_argument("--epochs", type=int, default=dflt.epochs, help=f"default {dflt.epochs}")
    g.add_argument("--batch-size", type=int, default=dflt.batch_size, help=f"default {dflt.batch_size}")
    g.add_argument("--learning-rate", type=float, default=dflt.learning_rate,
                   help=f"peak learning rate after the warm-up (default {dflt.learning_rate:g})")
    g.add_argument("--warmup-epochs", type=float, default=dflt.warmup_epochs, help=f"default {dflt.warmup_epochs:g}")
    g.add_argument("--weight-decay", type=float, default=dflt.weight_decay, help=f"AdamW's (default {dflt.weight_decay:g})")
    g.add_argument("--dropout", type=float, default=dflt.dropout, help=f"before the head (default {dflt.dropout:g})")
    g.add_argument("--diagnosis-weight", type=float, default=dflt.diagnosis_weight,
                   help="weight of an auxiliary softmax head over the labels' diagnoses (NV, BKL, BCC, ...) in the "
                        "loss (e.g. 0.5), trained beside the melanoma head and not exported; 0 trains the melanoma "
                        "head alone, as the shipped default model was trained "
                        f"(default {dflt.diagnosis_weight:g})")
    g.add_argument("--seed", type=int, default=dflt.seed, help=f"folds, weights, order, augmentation (default {dflt.seed})")
    g.add_argument("--threads", type=int, metavar="N", help="TensorFlow intra-op threads (default: every CPU)")
    return parser


def _service_flags(parser) -> None:
    import os

    g = parser.add_argument_group("service and photos")
    g.add_argument("--service", required=True, metavar="URL", help="the running service, e.g. http://localhost:8080")
    g.add_argument("--images", required=True, metavar="DIR", help="folder of the photos the labels name")
    g.add_argument("--labels", required=True, metavar="CSV",
                   help="labels: ISIC one-hot (image,MEL,...), ISIC 2020 (image_name,target[,sex,age_approx,"
                        "anatom_site_general_challenge]) or file,label (malignant/benign)")
    g.add_argument("--api-key", default=os.environ.get("MELANOMA_API_KEY"),
                   help="X-API-Key for a service that requires one (default: $MELANOMA_API_KEY)")
    g.add_argument("--concurrency", type=int, default=2, metavar="N", help="photos in flight at once (default 2)")


def main(argv=None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    start = time.monotonic()

    # before anything imports keras (tensorflow may pull it in); training runs Keras on TensorFlow
    backend.use("tensorflow" if args.command == "train" else "torch")

    def progress(msg: str) -> None:
        print(f"[{time.monotonic() - start:6.1f}s] {msg}", file=sys.stderr, flush=True)

    try:
        if args.command == "convert":
            choices = choices_from_flags(resize=args.resize, order=args.order, jpeg_quality=args.jpeg_roundtrip,
                                         jpeg_subsampling=args.jpeg_subsampling, jpeg_dct=args.jpeg_dct,
                                         jpeg_encoder=args.jpeg_encoder, legacy_method=args.resize_method,
                                         legacy_antialias=args.antialias, defaults=True)
            out = convert(
                SourceOptions(args.model, arch=args.arch, size=args.size, layout=args.layout,
                              qubvel_mean=args.qubvel_mean, qubvel_std=args.qubvel_std, metadata=args.metadata),
                InputOptions(crop_fraction=args.crop_fraction, choices=choices, scale=args.input_scale,
                             mean=tuple(args.input_mean), std=tuple(args.input_std)),
                OutputOptions(out_dir=args.out, name=args.name, version=args.version, threshold=args.threshold,
                              trained=not args.untrained, description=args.description,
                              training_report=args.training_report),
                CheckOptions(rewrites=() if args.no_rewrites else tuple(args.rewrites or DEFAULT_REWRITES),
                             tolerance=args.tolerance, calibration_dir=args.calibration_dir,
                             parity_inputs=args.parity_inputs, int8=args.int8, int8_tolerance=args.int8_tolerance,
                             runtime_graphs=args.runtime_graphs, runtime_graph_tolerance=args.runtime_graph_tolerance,
                             heatmap=args.heatmap),
                progress=progress)
        elif args.command == "demo":
            out = build_demo(out_dir=args.out, seed=args.seed, arch=args.arch, size=args.size,
                             tolerance=args.tolerance, runtime_graphs=args.runtime_graphs,
                             runtime_graph_tolerance=args.runtime_graph_tolerance, heatmap=args.heatmap,
                             progress=progress)
        elif args.command == "add-heatmap":
            out = add_heatmap(model_dir=args.model_dir, source_path=args.source, images=args.images,
                              tolerance=args.cam_tolerance, against=args.against, progress=progress)
        elif args.command == "optimize":
            out = optimize(model_dir=args.model_dir, images=args.images, tolerance=args.runtime_graph_tolerance,
                           progress=progress)
        elif args.command == "reference":
            choices = choices_from_flags(resize=args.resize, order=args.order, jpeg_quality=args.jpeg_roundtrip,
                                         jpeg_subsampling=args.jpeg_subsampling, jpeg_dct=args.jpeg_dct,
                                         jpeg_encoder=args.jpeg_encoder, no_jpeg=args.no_jpeg_roundtrip,
                                         defaults=False)
            if args.crop_fraction is not None:
                choices["center_crop_fraction"] = args.crop_fraction
            if args.size is not None:
                choices["size"] = args.size
            out = write_fixtures(model_dir=args.model, images_root=args.images, out_dir=args.out,
                                 source_path=args.source, labels_csv=args.labels, max_bytes=args.max_bytes,
                                 overrides=choices, probabilities=args.probabilities, progress=progress)
        elif args.command == "match-tfrecords":
            out = match_tfrecords(args.tfrecords, args.images, name_feature=args.image_feature,
                                  image_feature=args.image_key, sample=args.sample, top=args.top, progress=progress)
        elif args.command == "ensemble":
            out = build_ensemble(member_dirs=args.member_dirs, out_dir=args.out, weights=args.weights, tta=args.tta,
                                 name=args.name, version=args.version, threshold=args.threshold,
                                 description=args.description, images=args.images, sources=args.sources,
                                 skip_unavailable_sources=args.skip_unavailable_sources, parity_photos=args.parity_inputs,
                                 tolerance=args.tolerance, progress=progress)
        elif args.command == "train":
            from melanoma_export.train import train

            try:
                folds = tuple(int(k) for k in args.train_folds.split(","))
            except ValueError:
                parser.error(f"--train-folds: expected comma-separated fold numbers, got {args.train_folds!r}")
            out = train(TrainConfig(data=args.data, labels=args.labels, out=args.out, arch=args.arch, size=args.size,
                                    crop_fraction=args.crop_fraction, folds=args.folds, train_folds=folds,
                                    epochs=args.epochs, batch_size=args.batch_size, learning_rate=args.learning_rate,
                                    warmup_epochs=args.warmup_epochs, weight_decay=args.weight_decay,
                                    dropout=args.dropout, diagnosis_weight=args.diagnosis_weight, seed=args.seed, limit=args.limit, threads=args.threads,
                                    stop_after_epochs=args.stop_after_epochs), progress=progress)
        elif args.command == "evaluate":
            out = evaluate(service_url=args.service, images=args.images, labels_csv=args.labels, out_dir=args.out,
                           reference=args.reference, source_path=args.source, api_key=args.api_key,
                           concurrency=args.concurrency, resamples=args.bootstrap, progress=progress)
        elif args.command == "calibrate":
            out = calibrate(model_dir=args.model_dir, service_url=args.service, images=args.images,
                            labels_csv=args.labels, out_dir=args.out, target_sensitivity=args.target_sensitivity,
                            threshold=args.threshold, method=args.calibration, version=args.version,
                            api_key=args.api_key, concurrency=args.concurrency, resamples=args.bootstrap,
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
