"""The workflows that write or edit a version directory, above the stages they run.

The convert path, step by step: load -> export -> rewrite -> parity gate -> (int8 + guard) -> runtime graphs
-> write. ``convert`` takes its choices in four groups (what to load, how a photo becomes the input, what the spec
says and where it goes, what is checked); ``export_validate_write`` runs the steps on an ``ExportPlan``, whatever
the source (convert or the demo). Nothing is written to the output directory until every check has passed.

The other workflows on an existing version: ``build_demo`` (the untrained demo through the same path),
``add_heatmap`` (the class activation map output by graph surgery, gated against TensorFlow) and ``optimize``
(the runtime graphs). The stages (export, heatmap, runtime_graphs, parity, ...) never import this module.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import onnx

from melanoma_export import backend, demo, heatmap, metadata, parity, quantize, rewrites, runtime_graphs
from melanoma_export.errors import ExportError, QuantizationRefused
from melanoma_export.export import export_onnx, save
from melanoma_export.heatmap import DEFAULT_CAM_TOLERANCE
from melanoma_export.metadata import spec_encoding
from melanoma_export.parity import DEFAULT_TOLERANCE
from melanoma_export.preprocessing import (DEFAULT_CROP_FRACTION, Normalization, Preprocessing, list_images,
                                           to_model_input)
from melanoma_export.quantize import DEFAULT_INT8_TOLERANCE
from melanoma_export.recipe import training_record
from melanoma_export.reference import source_model_for
from melanoma_export.rewrites import DEFAULT_REWRITES
from melanoma_export.runtime_graphs import DEFAULT_RUNTIME_GRAPH_TOLERANCE
from melanoma_export.sources import Source, inspect_source, load_model, model_image_size, source_files, weights_digest
from melanoma_export.spec import MODEL_FILE, SPEC_VERSION, build_spec, file_record, read_spec, write_spec


@dataclass
class ExportPlan:
    """Everything the common export path needs, whatever the source."""

    name: str
    version: str
    out_dir: str
    trained: bool
    description: str
    pp: Preprocessing
    norm: Normalization
    source_spec: dict  # the spec's "source" block
    source_json: dict  # what the TensorFlow worker loads (sources.Source.to_json())
    threshold: float = 0.5
    rewrites: tuple = ()
    compact_storage: bool = False
    tolerance: float = 1e-5
    calibration_dir: str | None = None
    parity_inputs: int = 8
    parity_pixels: object = None  # explicit parity inputs in pixel space (0..255), e.g. the demo's synthetic images
    parity_kind: str = "synthetic"
    int8: bool = False
    int8_tolerance: float = 0.02
    runtime_graphs: bool = True
    runtime_graph_tolerance: float = DEFAULT_RUNTIME_GRAPH_TOLERANCE
    extra_export: dict = field(default_factory=dict)
    heatmap: bool = True  # add the class activation map output (heatmap.py) when the head allows it
    cam_tolerance: float = DEFAULT_CAM_TOLERANCE
    metadata: str | None = None  # the encoding of the model's second input (metadata.ENCODINGS), if it has one


def export_validate_write(model, plan: ExportPlan, progress=print) -> Path:
    backend.use("torch")
    enc = metadata.encoding(plan.metadata) if plan.metadata else None
    if enc is not None and plan.int8:
        raise QuantizationRefused("--int8 is not available with --metadata yet: the calibration would need patient "
                                  "metadata beside every calibration image")
    if enc is not None and plan.parity_pixels is not None:
        raise ExportError("explicit parity images come without metadata rows; a metadata model is gated on "
                          "--calibration-dir images or noise, each with every metadata case")
    digest = weights_digest(model)
    with tempfile.TemporaryDirectory(prefix="melanoma-export-") as tmp:
        raw = os.path.join(tmp, "raw.onnx")
        proto = export_onnx(model, raw, progress=progress)
        opset = next((o.version for o in proto.opset_import if o.domain in ("", "ai.onnx")), 0)

        names = list(plan.rewrites)
        records = rewrites.apply(proto, names) if names else []
        cam = None
        if plan.heatmap:
            try:
                cam = heatmap.add_cam_output(proto)
                also = " + the other inputs' share, the same in every cell" if cam.get("includesOtherInputs") else ""
                progress(f"  heatmap: class activation map output {cam['name']!r} {cam['shape'][1]}x{cam['shape'][2]} "
                         f"added (feature map x Dense kernel + bias{also})")
            except heatmap.NoCamHead as e:
                progress(f"  heatmap: skipped, {e}")
        fp32 = os.path.join(tmp, "fp32.onnx")
        save(proto, fp32)
        for r in records:
            progress(f"  rewrite {r['name']}: {r['sites']} site(s)")

        if plan.parity_pixels is not None:
            x = to_model_input(plan.parity_pixels, plan.norm)
            desc = {"inputKind": plan.parity_kind, "inputs": int(len(x)), "images": []}
        else:
            x, desc = parity.make_inputs(plan.pp, plan.norm, plan.calibration_dir, plan.parity_inputs, progress,
                                         metadata=enc)
        ref, info = parity.tensorflow_reference(plan.source_json, x, progress, cam=cam is not None)
        if info.get("weightsDigest") != digest:
            raise ExportError("torch and TensorFlow loaded different weights (weights digests differ)")
        cases = f" ({len(x) // len(desc['metadataCases'])} x {len(desc['metadataCases'])} metadata cases)" if enc else ""
        progress(f"parity gate: onnxruntime vs TensorFlow on {len(x)} {desc['inputKind']} inputs{cases}, "
                 f"tolerance {plan.tolerance:g}")
        figures = parity.validate(fp32, x, ref, plan.tolerance)
        progress(f"  max |dprobability| = {figures['maxAbsDiffProbability']:.3g} (tolerance {plan.tolerance:g}): passed")
        if cam is not None:
            cam["parity"] = heatmap.validate_cam(fp32, x, info["cam"], plan.cam_tolerance)
            progress(f"  cam: max |d scaled map| = {cam['parity']['maxAbsDiffScaled']:.3g} (raw "
                     f"{cam['parity']['maxAbsDiffRaw']:.3g}, tolerance {plan.cam_tolerance:g}): passed")

        final = fp32
        quant = None
        if plan.int8:
            if not plan.calibration_dir:
                raise QuantizationRefused("--int8 needs --calibration-dir (images to calibrate and check on)")
            calib_pixels, calib_names = parity.calibration_pixels(plan.calibration_dir, plan.pp, 10_000, progress)
            calib = to_model_input(calib_pixels, plan.norm)
            int8 = os.path.join(tmp, "int8.onnx")
            quantize.quantize_static_qdq(fp32, int8, calib, progress)
            quant = {"method": "onnxruntime static QDQ (QUInt8 activations, QInt8 per-channel weights)",
                     **quantize.guard(fp32, int8, calib, plan.int8_tolerance)}
            progress(f"  int8 guard: max |dprobability| vs fp32 = {quant['maxAbsDiffVsFp32']:.3g}: accepted")
            final = int8
        elif plan.compact_storage:
            proto = onnx.load(fp32)
            n = rewrites.compact_int8_storage(proto)
            records.append({"name": "compact-int8-storage", "sites": n,
                            "description": rewrites.DESCRIPTIONS["compact-int8-storage"]})
            compact = os.path.join(tmp, "compact.onnx")
            save(proto, compact)
            # The compact file must give exactly the same numbers as the float file.
            a = parity.onnx_probabilities(fp32, x)
            b = parity.onnx_probabilities(compact, x)
            same_cam = cam is None or heatmap.onnx_cams(fp32, x).tobytes() == heatmap.onnx_cams(compact, x).tobytes()
            if a.tobytes() != b.tobytes() or not same_cam:
                raise ExportError("compact int8 storage changed the outputs; refusing it")
            progress(f"  compact storage: {n} initializer(s) stored as int8, outputs bit-identical")
            final = compact

        # On the gate's inputs, so that every figure in the spec comes from the same inputs.
        made = runtime_graphs.produce(final, tmp, x, desc["inputKind"], plan.runtime_graph_tolerance,
                                      progress) if plan.runtime_graphs else []

        out = Path(plan.out_dir)
        out.mkdir(parents=True, exist_ok=True)
        target = out / MODEL_FILE
        shutil.copyfile(final, target)
        graphs = runtime_graphs.install(str(out), made)
        figures.update({k: desc[k] for k in ("inputs", "inputKind")})
        if desc["images"]:
            figures["images"] = desc["images"]
        if enc is not None:
            figures["metadataCases"] = desc["metadataCases"]
        spec = build_spec(name=plan.name, version=plan.version, trained=plan.trained,
                          description=plan.description, onnx_path=str(target), opset=opset, pp=plan.pp,
                          norm=plan.norm, threshold=plan.threshold,
                          source={**plan.source_spec, "weightsDigest": digest},
                          graph_rewrites=records, parity=figures, extra_export=plan.extra_export,
                          quantization=quant, runtime_graphs=graphs, extra_outputs=[cam] if cam else [],
                          extra_inputs=[enc.to_spec(metadata.METADATA_INPUT_NAME)] if enc else [])
        write_spec(str(out), spec)
    also = "".join(f", {g['file']}" for g in graphs)
    progress(f"wrote {target} ({target.stat().st_size / 1e6:.1f} MB){also} and {out / 'model.json'}")
    return out


@dataclass(frozen=True)
class SourceOptions:
    """What to load and how to read it (sources.inspect_source)."""

    model_path: str
    arch: str | None = None  # rebuild this keras.applications architecture and read the weights into it
    size: int | None = None
    layout: str = "auto"
    qubvel_mean: tuple | None = None  # qubvel layout only: what training did to the 0..1 image
    qubvel_std: tuple | None = None
    metadata: str | None = None  # the encoding of a second (patient metadata) input, metadata.ENCODINGS


@dataclass(frozen=True)
class InputOptions:
    """How a photo becomes the model's input; all of it is recorded in the spec."""

    crop_fraction: float | None = None  # None: the default for the model's input size
    choices: dict = field(default_factory=dict)  # Preprocessing.replace keywords (resize, order, JPEG round trip)
    scale: float = 1.0  # model input = (pixel * scale - mean) / std
    mean: tuple = (0.0, 0.0, 0.0)
    std: tuple = (1.0, 1.0, 1.0)


@dataclass(frozen=True)
class OutputOptions:
    """Where the version directory goes and what its spec says about the model."""

    out_dir: str | None = None  # None: models/<name>/<version>
    name: str | None = None  # None: the file name without extension
    version: str = "1"
    threshold: float = 0.5
    trained: bool = True
    description: str | None = None
    training_report: str | None = None  # the training.json of `train`: recorded as source.training


@dataclass(frozen=True)
class CheckOptions:
    """What is done to the graph and checked before anything is written."""

    rewrites: tuple = ()
    tolerance: float = DEFAULT_TOLERANCE
    calibration_dir: str | None = None  # parity (and int8 calibration) images; None: deterministic noise
    parity_inputs: int = 8
    int8: bool = False
    int8_tolerance: float = DEFAULT_INT8_TOLERANCE
    runtime_graphs: bool = True
    runtime_graph_tolerance: float = DEFAULT_RUNTIME_GRAPH_TOLERANCE
    heatmap: bool = True


def convert(source: SourceOptions, inputs: InputOptions = InputOptions(), output: OutputOptions = OutputOptions(),
            checks: CheckOptions = CheckOptions(), progress=print) -> Path:
    backend.use("torch")
    model_path = source.model_path
    loaded = inspect_source(model_path, source.arch, source.size, source.layout)
    loaded.metadata = source.metadata
    if source.qubvel_mean is not None:
        loaded.qubvel_mean = [float(v) for v in source.qubvel_mean]
    if source.qubvel_std is not None:
        loaded.qubvel_std = [float(v) for v in source.qubvel_std]
    if checks.calibration_dir and not Path(checks.calibration_dir).is_dir():
        raise ExportError(f"--calibration-dir {checks.calibration_dir} is not a directory")
    progress(f"loading {model_path} ({loaded.kind}) with Keras on torch")
    model = load_model(loaded)
    image_size = model_image_size(model)
    fraction = inputs.crop_fraction if inputs.crop_fraction is not None else DEFAULT_CROP_FRACTION.get(image_size)
    if fraction is None:
        raise ExportError(f"no default centre-crop fraction for {image_size} px; give --crop-fraction")
    # checked before the long export
    pp = Preprocessing(image_size, fraction).replace(**inputs.choices)
    norm = Normalization(inputs.scale, tuple(inputs.mean), tuple(inputs.std))
    model_name = output.name or Path(model_path.rstrip("/")).name.split(".")[0]
    source_spec = {"kind": loaded.kind, "arch": loaded.arch, "imageSize": image_size,
                   "layout": loaded.layout, "files": source_files(loaded)}
    if output.training_report:
        source_spec["training"] = training_record(output.training_report, model_path)
    if loaded.layout == "qubvel":
        source_spec["qubvelInput"] = {"mean": loaded.qubvel_mean, "std": loaded.qubvel_std,
                                      "note": "applied to the 0..1 image inside the graph (Normalization layer)"}
    plan = ExportPlan(
        name=model_name, version=output.version,
        out_dir=output.out_dir or os.path.join("models", model_name, output.version), trained=output.trained,
        description=output.description or f"{loaded.arch or 'Keras model'} converted from {Path(model_path).name}",
        pp=pp, norm=norm, source_spec=source_spec, source_json=loaded.to_json(), threshold=output.threshold,
        rewrites=tuple(checks.rewrites), tolerance=checks.tolerance, calibration_dir=checks.calibration_dir,
        parity_inputs=checks.parity_inputs, int8=checks.int8, int8_tolerance=checks.int8_tolerance,
        runtime_graphs=checks.runtime_graphs, runtime_graph_tolerance=checks.runtime_graph_tolerance,
        heatmap=checks.heatmap, metadata=source.metadata)
    return export_validate_write(model, plan, progress)


# ---------------------------------------------------------------- the other workflows on a version directory

def build_demo(out_dir: str, seed: int = demo.DEFAULT_SEED, arch: str = "efficientnetb4", size: int = 384,
               tolerance: float = 1e-5, runtime_graphs: bool = True,
               runtime_graph_tolerance: float = DEFAULT_RUNTIME_GRAPH_TOLERANCE, heatmap: bool = True, progress=print):

    model = demo.demo_model(seed, arch, size, progress)
    with tempfile.TemporaryDirectory(prefix="melanoma-demo-") as tmp:
        weights = os.path.join(tmp, "demo.weights.h5")
        model.save_weights(weights)
        source = Source("keras-weights", weights, arch, size, "keras-applications")
        plan = ExportPlan(
            name=f"{arch}-demo", version=os.path.basename(os.path.normpath(out_dir)) or "1", out_dir=out_dir,
            trained=False, description=demo.DESCRIPTION,
            pp=Preprocessing(size, DEFAULT_CROP_FRACTION.get(size, 0.5)), norm=Normalization(),
            source_spec={"kind": "demo", "arch": arch, "imageSize": size, "seed": seed,
                         "generator": "melanoma_export.demo.demo_model", "files": [],
                         "regenerate": f"melanoma-export demo --seed {seed} --out <dir>"},
            source_json=source.to_json(), rewrites=tuple(DEFAULT_REWRITES), compact_storage=True,
            tolerance=tolerance, runtime_graphs=runtime_graphs, runtime_graph_tolerance=runtime_graph_tolerance,
            heatmap=heatmap,
            # Photo-like blobs plus flat and graphic images (a flag, a grid, mid grey). Pure primary colours
            # stay out of the gate: on them this random network's TensorFlow and onnxruntime answers differ by
            # up to 1.4e-4 whatever the calibration, on inputs no camera produces.
            parity_pixels=np.concatenate([demo.synthetic_images(demo.PARITY_IMAGES, size, seed + 2),
                                          demo.extreme_images(size)[6:], np.full((1, size, size, 3), 128, np.float32)]),
            parity_kind="synthetic-blobs+flag+grid+grey",
            extra_export={"storage": "int8-grid kernels stored as int8 + Cast + Mul (compact-int8-storage)"})
        return export_validate_write(model, plan, progress)


def add_heatmap(model_dir: str, source_path: str | None = None, images: str | None = None,
                     tolerance: float = DEFAULT_CAM_TOLERANCE, against: str = "tensorflow", progress=print):
    """Add the ``cam`` output to an existing version directory's model.onnx by graph surgery, gate it against
    TensorFlow's map on the source Keras model (the demo is regenerated from its seed, its weights digest
    checked), and record it in model.json. Everything else in model.onnx stays as it was; the probability must
    come out unchanged. The runtime graphs are not touched: ``melanoma-export optimize`` refreshes them.

    ``against="graph-features"`` replaces TensorFlow by numpy on the graph's own feature map, for a source that
    cannot be rebuilt with the same weights (the demo regenerated on a CPU that rounds differently); the spec
    then says so."""

    backend.use("torch")
    spec = read_spec(model_dir)
    model_path = Path(model_dir) / spec["model"]["file"]
    runtime_graphs.verify_model_sha256(model_path, spec)
    if images and not Path(images).is_dir():
        raise ExportError(f"--images {images} is not a directory")
    proto = onnx.load(str(model_path))
    record = heatmap.add_cam_output(proto)
    progress(f"heatmap: output {heatmap.CAM_OUTPUT!r} {record['shape'][1]}x{record['shape'][2]} added to {model_path.name}")
    pp = Preprocessing.from_spec(spec["input"])
    norm = Normalization.from_spec(spec["input"]["normalization"])
    n = max(parity.MIN_INPUTS, len(list_images(images, subdirs=())) if images else 0)
    x, desc = parity.make_inputs(pp, norm, images, n, progress, metadata=spec_encoding(spec))
    if against not in heatmap.AGAINST:
        raise ExportError(f"unknown reference {against!r}; choose one of {', '.join(heatmap.AGAINST)}")
    if against == "tensorflow":
        try:
            model, source, tmp_source = source_model_for(spec, source_path, progress)
        except ExportError as e:
            if "weightsDigest" in str(e):
                raise ExportError(f"{e}; add --against graph-features to check the map against the graph's own "
                                  "feature map instead") from None
            raise
        try:
            del model  # only its weights digest was needed; TensorFlow loads the same weights in the worker
            ref, info = parity.tensorflow_reference(source.to_json(), x, progress, cam=True)
            if info.get("weightsDigest") != spec["source"].get("weightsDigest", info.get("weightsDigest")):
                raise ExportError("TensorFlow loaded other weights than the model was exported from (weightsDigest)")
        finally:
            if tmp_source is not None:
                tmp_source.cleanup()
        reference_cams = info["cam"]
    else:
        progress("  reference: numpy on the graph's own feature map and Dense tensors (not TensorFlow)")
        ref = None
        reference_cams = heatmap.graph_feature_cams(proto, heatmap.find_cam_site(heatmap.without_cam(proto)), x)
    with tempfile.TemporaryDirectory(prefix="melanoma-cam-") as tmp:
        candidate = os.path.join(tmp, "model.onnx")
        save(proto, candidate)
        before = parity.onnx_probabilities(str(model_path), x)
        after = parity.onnx_probabilities(candidate, x)
        if before.tobytes() != after.tobytes():
            raise ExportError("adding the cam output changed the probabilities; nothing written")
        progress("  probabilities bit-identical to the previous model.onnx")
        if ref is not None:
            figures = parity.validate(candidate, x, ref, float(spec.get("parity", {}).get("tolerance", 1e-5)))
            progress(f"  probability vs TensorFlow: max |d| {figures['maxAbsDiffProbability']:.3g}: passed")
        record["parity"] = {**heatmap.validate_cam(candidate, x, reference_cams, tolerance), "inputKind": desc["inputKind"]}
        if against == "graph-features":
            record["parity"]["against"] = ("numpy: the graph's own feature map x its Dense kernel + bias (the source "
                                           "model could not be rebuilt with the same weights here)")
        progress(f"  cam vs {against} on {len(x)} {desc['inputKind']} inputs: max |d scaled map| "
                 f"{record['parity']['maxAbsDiffScaled']:.3g} (raw {record['parity']['maxAbsDiffRaw']:.3g}, "
                 f"tolerance {tolerance:g}): passed")
        record["parity"]["meanEqualsLogit"] = heatmap.mean_logit_gap(candidate, x)
        partial = model_path.with_name(model_path.name + ".partial")
        save(proto, str(partial))
        os.replace(partial, model_path)
    spec["specVersion"] = SPEC_VERSION
    spec["model"].update(file_record(str(model_path)))
    spec["extraOutputs"] = [o for o in spec.get("extraOutputs", []) if o.get("name") != heatmap.CAM_OUTPUT] + [record]
    write_spec(model_dir, spec)
    if spec.get("runtimeGraphs"):
        progress("the runtime graphs were made from the previous model.onnx and have no cam output: run "
                 f"melanoma-export optimize {model_dir}")
    return Path(model_dir)


def optimize(model_dir: str, images: str | None = None, tolerance: float = DEFAULT_RUNTIME_GRAPH_TOLERANCE,
             progress=print) -> Path:
    """Add or refresh the runtime graphs of an existing version directory and record them in model.json, keeping
    the NCHWc graphs of other block sizes that another CPU made (``runtime_graphs.other_cpu_graphs``)."""

    spec = read_spec(model_dir)
    model_path = Path(model_dir) / spec["model"]["file"]
    runtime_graphs.verify_model_sha256(model_path, spec)
    if images and not Path(images).is_dir():
        raise ExportError(f"--images {images} is not a directory")
    pp = Preprocessing.from_spec(spec["input"])
    norm = Normalization.from_spec(spec["input"]["normalization"])
    n = max(parity.MIN_INPUTS, len(list_images(images, subdirs=())) if images else 0)
    x, desc = parity.make_inputs(pp, norm, images, n, progress, metadata=spec_encoding(spec))
    with tempfile.TemporaryDirectory(prefix="melanoma-rg-") as tmp:
        made = runtime_graphs.produce(str(model_path), tmp, x, desc["inputKind"], tolerance, progress, previous_dir=model_dir)
        spec["specVersion"] = SPEC_VERSION
        spec["model"].update(file_record(str(model_path)))
        kept = runtime_graphs.other_cpu_graphs(model_dir, spec.get("runtimeGraphs", []), made, progress)
        spec["runtimeGraphs"] = runtime_graphs.install(model_dir, made, kept)
    write_spec(model_dir, spec)
    progress(f"wrote {', '.join(r['file'] for r in spec['runtimeGraphs'])} and updated "
             f"{Path(model_dir) / 'model.json'}")
    return Path(model_dir)
