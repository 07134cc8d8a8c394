"""The ensemble path: member version directories (made by convert, each parity-gated) -> one version directory.

    check members -> parity gate over the whole ensemble -> cost per member -> copy members -> write model.json

The gate runs every member the way the service will: the member's own reference preprocessing and
normalisation, the dihedral views when asked (one batch of 8 per photo), the weighted mean of the member
probabilities. TensorFlow runs each member's Keras source (as its model.json ``source`` records it);
onnxruntime runs the member's model.onnx on the same inputs. Nothing is written until every check passed.
"""

from __future__ import annotations

import os
import re
import shutil
import statistics
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from melanoma_export import parity
from melanoma_export.errors import EnsembleRefused, ExportError, ParityError, SourceError
from melanoma_export.metadata import ModelInputs, from_spec, parity_cases
from melanoma_export.parity import DEFAULT_TOLERANCE, session_options
from melanoma_export.preprocessing import Normalization, Preprocessing, list_images, reference_tensor, to_model_input
from melanoma_export.reference import source_model_for
from melanoma_export.runtime_graphs import cpu_flags
from melanoma_export.sources import file_sha256
from melanoma_export.spec import SPEC_FILE, SPEC_VERSION, read_spec, sha256_file, tool_versions, write_spec

TTA_CHOICES = ("none", "dihedral8")
COMBINATION_METHOD = "weighted-mean-probability"
MEMBER_NAME = re.compile(r"[a-z0-9][a-z0-9._-]*")
DEFAULT_PARITY_PHOTOS = 12
COST_RUNS = 25
COST_WARMUP = 3
IMAGE_SUBDIRS = ("dermoscopy", "exif-orientation", "formats")


@dataclass
class Member:
    name: str
    directory: Path
    spec: dict
    weight: float
    spec_sha256: str

    @property
    def pp(self) -> Preprocessing:
        return Preprocessing.from_spec(self.spec["input"])

    @property
    def norm(self) -> Normalization:
        return Normalization.from_spec(self.spec["input"]["normalization"])

    @property
    def onnx_path(self) -> str:
        return str(self.directory / self.spec["model"]["file"])


# ---------------------------------------------------------------------------------------------- members

def parse_weights(text: str | None, n: int) -> list[float]:
    if text is None:
        return [1.0] * n
    try:
        weights = [float(v) for v in text.split(",")]
    except ValueError:
        raise EnsembleRefused(f"--weights must be {n} comma-separated numbers, got {text!r}") from None
    if len(weights) != n:
        raise EnsembleRefused(f"--weights gives {len(weights)} weight(s) for {n} member(s)")
    bad = [w for w in weights if not (np.isfinite(w) and w > 0)]
    if bad:
        raise EnsembleRefused(f"--weights must all be finite and > 0, got {text!r}")
    return weights


def default_name(spec_name: str, taken: set[str]) -> str:
    """The member's model.json name made a valid member name; "-2", "-3", ... on clashes."""
    base = re.sub(r"[^a-z0-9._-]+", "-", str(spec_name).lower()).strip("-._") or "member"
    if not MEMBER_NAME.fullmatch(base):
        base = "m" + base
    name, i = base, 2
    while name in taken:
        name, i = f"{base}-{i}", i + 1
    return name


def files_of(spec: dict) -> list[tuple[str, str]]:
    """(file, sha256) of every file model.json names: model.onnx, the runtime graphs and their weights."""
    out = [(spec["model"]["file"], spec["model"]["sha256"])]
    for g in spec.get("runtimeGraphs") or []:
        out.append((g["file"], g["sha256"]))
        if g.get("externalData"):
            out.append((g["externalData"]["file"], g["externalData"]["sha256"]))
    return out


def check_member_files(directory: Path, spec: dict) -> None:
    for file, want in files_of(spec):
        path = directory / file
        if not path.is_file():
            raise SourceError(f"member {directory}: {file} named in model.json is missing")
        if sha256_file(str(path)) != want:
            raise SourceError(f"member {directory}: {file} does not match the sha256 in its model.json "
                              "(changed after convert?)")


def load_members(dirs: list[str], weights: list[float], tta: str) -> list[Member]:
    seen: dict[Path, str] = {}
    seen_specs: dict[str, str] = {}
    members: list[Member] = []
    taken: set[str] = set()
    for d, w in zip(dirs, weights):
        directory = Path(d)
        if not directory.is_dir():
            raise SourceError(f"member {d} is not a directory")
        real = directory.resolve()
        if real in seen:
            raise EnsembleRefused(f"member {d} is given twice (also as {seen[real]}); weight it with --weights instead")
        seen[real] = d
        spec = read_spec(d)
        spec_sha = sha256_file(str(directory / SPEC_FILE))
        if spec_sha in seen_specs:
            raise EnsembleRefused(f"member {d} is the same model as {seen_specs[spec_sha]} (identical model.json); "
                                  "weight it with --weights instead")
        seen_specs[spec_sha] = d
        if "members" in spec or spec.get("source", {}).get("kind") == "ensemble":
            raise EnsembleRefused(f"member {d} is itself an ensemble; give its members instead (ensembles do not nest)")
        if "model" not in spec or "input" not in spec:
            raise EnsembleRefused(f"member {d}: model.json has no model/input (not a version directory made by convert)")
        task = spec.get("task")
        if members and task != members[0].spec.get("task"):
            raise EnsembleRefused(f"members have different tasks: {members[0].directory} is {members[0].spec.get('task')!r}, "
                                  f"{d} is {task!r}")
        if task != "binary-classification":
            raise EnsembleRefused(f"member {d}: task {task!r} is not supported (binary-classification only)")
        inp = spec["input"]
        if tta == "dihedral8" and int(inp["height"]) != int(inp["width"]):
            raise EnsembleRefused(f"member {d}: --tta dihedral8 needs a square input, this one is "
                                  f"{inp['height']}x{inp['width']}")
        check_member_files(directory, spec)
        name = default_name(spec.get("name", directory.parent.name), taken)
        taken.add(name)
        members.append(Member(name, directory, spec, float(w), spec_sha))
    if not members:
        raise EnsembleRefused("give at least one member directory")
    return members


# ---------------------------------------------------------------------------------------------- inputs

def dihedral8(x: np.ndarray) -> np.ndarray:
    """The 8 views of one HxWxC input, in the spec's order: rot90^k(x), then rot90^k(fliplr(x)), k = 0..3."""
    flipped = np.fliplr(x)
    return np.stack([np.rot90(x, k, axes=(0, 1)) for k in range(4)] +
                    [np.rot90(flipped, k, axes=(0, 1)) for k in range(4)])


def views(x: np.ndarray, tta: str) -> np.ndarray:
    """(N,H,W,C) member inputs -> (N*V,H,W,C), photo by photo, V = 1 or 8."""
    if tta == "none":
        return x
    return np.concatenate([dihedral8(xi) for xi in x]).astype(np.float32)


def to_layout(x: np.ndarray, layout: str) -> np.ndarray:
    """The member's graph layout; the views are taken on HxWxC, before this transpose."""
    return np.ascontiguousarray(x.transpose(0, 3, 1, 2)) if layout == "NCHW" else x


def synthetic_photos(directory: str, n: int = 8, seed: int = 0) -> list[Path]:
    """Deterministic non-square RGB photos (smooth colour gradients and blobs on noise), written as PNGs, for an
    ensemble gate without --images: every member preprocesses the same files its own way."""
    from PIL import Image

    rng = np.random.default_rng(seed)
    out = []
    for i in range(n):
        h, w = 180 + 20 * i, 240 - 10 * i
        yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
        cy, cx, r = rng.uniform(0.3, 0.7) * h, rng.uniform(0.3, 0.7) * w, rng.uniform(0.15, 0.35) * min(h, w)
        blob = np.exp(-((yy - cy) ** 2 + (xx - cx) ** 2) / (2 * r * r))[..., None]
        skin = rng.uniform(120, 230, 3) * (1 - 0.3 * yy[..., None] / h)
        lesion = rng.uniform(20, 120, 3)
        img = skin * (1 - blob) + lesion * blob + rng.normal(0, 8, (h, w, 3))
        path = Path(directory) / f"synthetic-{i}.png"
        Image.fromarray(np.clip(np.round(img), 0, 255).astype(np.uint8), "RGB").save(path)
        out.append(path)
    return out


def photo_files(images: str | None, n: int, tmp: str) -> tuple[list[Path], Path, str]:
    """(files, root they are named relative to, inputKind)."""
    if images is None:
        return synthetic_photos(tmp), Path(tmp), "synthetic-images"
    if not Path(images).is_dir():
        raise SourceError(f"--images {images} is not a directory")
    files = [f for f in list_images(images, IMAGE_SUBDIRS) if f.relative_to(images).parts[0] != "broken"]
    return files, Path(images), "images"


def member_pixels(members: list[Member], files: list[Path], root: Path, n: int, progress=print):
    """The first ``n`` photos every member can preprocess: ({member name: (N,H,W,3) uint8}, names)."""
    per = {m.name: [] for m in members}
    names = []
    for f in files:
        if len(names) >= n:
            break
        try:
            tensors = {m.name: reference_tensor(str(f), m.pp)[0] for m in members}
        except ExportError as e:
            progress(f"  skipping {f.relative_to(root).as_posix()}: {e}")
            continue
        for k, t in tensors.items():
            per[k].append(t)
        names.append(f.relative_to(root).as_posix())
    if not names:
        raise ExportError(f"no decodable photos under {root}")
    return {k: np.stack(v) for k, v in per.items()}, names


# ---------------------------------------------------------------------------------------------- extra inputs

def extra_input_vectors(member: Member) -> tuple[list[dict], list[np.ndarray]]:
    """(cases, one (C, width) array per extra input); ([{}], []) for a member without extra inputs. The cases are
    the ones `convert`'s gate feeds (metadata.parity_cases)."""
    extras = member.spec.get("extraInputs") or []
    if not extras:
        return [{}], []
    for e in extras:
        if e.get("kind") != "patient-metadata":
            raise EnsembleRefused(f"member {member.name}: extra input {e.get('name')!r} of kind {e.get('kind')!r} "
                                  "cannot be fed by the gate")
    encodings = [from_spec(e) for e in extras]
    cases = parity_cases(encodings[0])
    return cases, [np.stack([enc.encode(c) for c in cases]) for enc in encodings]


# ---------------------------------------------------------------------------------------------- runs

def onnx_member_probabilities(member: Member, x: np.ndarray, tta: str, extra: list[np.ndarray]) -> np.ndarray:
    """(N,) probabilities of the member on onnxruntime: per photo one batch (1 view, or the 8 views)."""
    import onnxruntime as ort

    sess = ort.InferenceSession(member.onnx_path, session_options("all"), providers=["CPUExecutionProvider"])
    inp, out = member.spec["input"], member.spec["output"]["name"]
    probs = []
    for xi in x:
        batch = to_layout(views(xi[None], tta), inp.get("layout", "NHWC"))
        feed = {inp["name"]: batch}
        for e, vec in zip(member.spec.get("extraInputs") or [], extra):
            feed[e["name"]] = np.repeat(vec[None], len(batch), axis=0).astype(np.float32)
        y = sess.run([out], feed)[0].reshape(len(batch), -1)[:, 0].astype(np.float64)
        probs.append(y.mean())
    return np.asarray(probs)


def find_source(member: Member, sources: list[str]) -> str | None:
    """The Keras file the member was converted from: a --source whose sha256 matches the one model.json records,
    else a file of the recorded name in the member directory or up to two folders above it."""

    recorded = (member.spec.get("source", {}).get("files") or [{}])[0]
    want, name = recorded.get("sha256"), recorded.get("file")
    candidates = list(sources)
    if name:
        candidates += [str(p / name) for p in (member.directory, member.directory.parent, member.directory.parent.parent)]
    for c in candidates:
        if os.path.exists(c) and (want is None or file_sha256(c) == want):
            return c
    return None


def load_source(member: Member, sources: list[str], progress=print):
    """(sources.Source for the TensorFlow worker, temp dir to clean or None): the member's source, found
    (find_source) or, for a demo member, regenerated from its seed, and checked against its weights digest."""

    path = None
    if member.spec.get("source", {}).get("kind") != "demo":
        path = find_source(member, sources)
        if path is None:
            recorded = (member.spec.get("source", {}).get("files") or [{}])[0]
            raise SourceError(f"{recorded.get('file')!r} (sha256 {str(recorded.get('sha256'))[:12]}...) was not found "
                              "beside the member nor among --source")
    _, source, tmp = source_model_for(member.spec, path, progress)
    return source, tmp


def tensorflow_member_probabilities(source, x: np.ndarray, tta: str, extra: list[np.ndarray],
                                    progress=print) -> np.ndarray:
    """(N,) probabilities of a member's Keras source (a sources.Source) on TensorFlow: all views at once, then the
    plain mean per photo."""

    xv = views(x, tta)
    rows = [np.repeat(vec[None], len(xv), axis=0).astype(np.float32) for vec in extra]
    if len(rows) > 1:
        raise EnsembleRefused("a member with more than one extra input cannot be fed to TensorFlow by the gate")
    y, _ = parity.tensorflow_reference(source.to_json(), ModelInputs(xv, rows[0]) if rows else xv, progress)
    v = 8 if tta == "dihedral8" else 1
    return y.reshape(len(x), v, -1)[:, :, 0].astype(np.float64).mean(axis=1)


def combine(probabilities: dict[str, np.ndarray], members: list[Member]) -> np.ndarray:
    """p = sum(w_i p_i) / sum(w_i)."""
    total = sum(m.weight for m in members)
    return sum(m.weight * np.asarray(probabilities[m.name], np.float64) for m in members) / total


def cpu_name() -> str:
    model = "unknown CPU"
    try:
        with open("/proc/cpuinfo") as f:
            model = next((line.split(":", 1)[1].strip() for line in f if line.startswith("model name")), model)
    except OSError:
        pass
    flags = cpu_flags()
    return f"{model} ({'avx512f' if 'avx512f' in flags else 'no avx512f'})"


def median_ms(member: Member, runs: int = COST_RUNS) -> float:
    """Median onnxruntime run time of one photo, batch 1, no TTA (graph optimisation level all)."""
    import onnxruntime as ort

    sess = ort.InferenceSession(member.onnx_path, session_options("all"), providers=["CPUExecutionProvider"])
    inp = member.spec["input"]
    shape = (1, 3, inp["height"], inp["width"]) if inp.get("layout") == "NCHW" else (1, inp["height"], inp["width"], 3)
    feed = {inp["name"]: np.random.default_rng(0).uniform(0, 1, shape).astype(np.float32)}
    for e in member.spec.get("extraInputs") or []:
        feed[e["name"]] = from_spec(e).missing()[None]
    out = [member.spec["output"]["name"]]
    for _ in range(COST_WARMUP):
        sess.run(out, feed)
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        sess.run(out, feed)
        times.append((time.perf_counter() - t0) * 1e3)
    return float(statistics.median(times))


# ---------------------------------------------------------------------------------------------- the command

def build_ensemble(*, member_dirs: list[str], out_dir: str, weights: str | None = None, tta: str = "none",
                   name: str | None = None, version: str = "1", threshold: float = 0.5,
                   description: str | None = None, images: str | None = None, sources: list[str] = (),
                   skip_unavailable_sources: bool = False, parity_photos: int = DEFAULT_PARITY_PHOTOS,
                   tolerance: float = DEFAULT_TOLERANCE, progress=print) -> Path:
    if tta not in TTA_CHOICES:
        raise EnsembleRefused(f"--tta must be one of {', '.join(TTA_CHOICES)}, got {tta!r}")
    members = load_members(list(member_dirs), parse_weights(weights, len(member_dirs)), tta)
    out = Path(out_dir)
    if out.exists() and any(out.iterdir()):
        raise EnsembleRefused(f"--out {out_dir} exists and is not empty; give a new version directory")
    for m in members:
        if out.resolve().is_relative_to(m.directory.resolve()):
            raise EnsembleRefused(f"--out {out_dir} is inside member {m.directory}; give a directory outside it")
    loaded, unavailable, temps = {}, {}, []
    try:
        for m in members:
            try:
                loaded[m.name], tmp = load_source(m, list(sources), progress)
                temps += [tmp] if tmp is not None else []
            except ExportError as e:
                if not skip_unavailable_sources:
                    raise EnsembleRefused(f"member {m.name}: its source cannot be used: {e}; give --source FILE, or "
                                          "--skip-unavailable-sources to gate that member on onnxruntime only "
                                          "(recorded in parity)") from None
                unavailable[m.name] = str(e)
                progress(f"  member {m.name}: no TensorFlow reference ({e}); --skip-unavailable-sources")
        with tempfile.TemporaryDirectory(prefix="melanoma-ensemble-") as tmp:
            files, root, kind = photo_files(images, parity_photos, tmp)
            pixels, names = member_pixels(members, files, root, parity_photos, progress)
            progress(f"ensemble parity gate: {len(members)} member(s), tta {tta}, {len(names)} {kind}, "
                     f"tolerance {tolerance:g}")
            gate = ensemble_parity(members, pixels, tta, loaded, tolerance, progress)
    finally:
        for t in temps:
            t.cleanup()

    cpu = cpu_name()
    ort_version = tool_versions()["onnxruntime"]
    costs = {}
    for m in members:
        costs[m.name] = {"medianMs": round(median_ms(m), 4), "batch": 1, "runs": COST_RUNS,
                         "measuredWith": f"onnxruntime {ort_version}", "cpu": cpu}
        progress(f"  cost {m.name}: median {costs[m.name]['medianMs']:.3g} ms (batch 1, {COST_RUNS} runs, {cpu})")

    out.mkdir(parents=True, exist_ok=True)
    for m in members:
        target = out / "members" / m.name
        shutil.copytree(m.directory, target, ignore=shutil.ignore_patterns("*.partial"))
        if sha256_file(str(target / SPEC_FILE)) != m.spec_sha256:
            raise ExportError(f"copying member {m.name} changed its model.json")
    tools = tool_versions()
    spec = {
        "specVersion": SPEC_VERSION,
        "name": name or "ensemble",
        "version": str(version),
        "trained": all(bool(m.spec.get("trained")) for m in members),
        "description": description or f"ensemble of {len(members)} member(s): " + ", ".join(m.name for m in members),
        "task": members[0].spec["task"],
        "members": [{"name": m.name, "dir": f"members/{m.name}", "weight": m.weight, "specSha256": m.spec_sha256,
                     "cost": costs[m.name]} for m in members],
        "combination": {"method": COMBINATION_METHOD, "tta": tta},
        "decision": {"threshold": float(threshold), "positiveLabel": "malignant", "negativeLabel": "benign"},
        "parity": {"reference": f"tensorflow {tools['tensorflow']} (keras {tools['keras']})",
                   "runtime": f"onnxruntime {tools['onnxruntime']}",
                   "maxAbsDiffProbability": gate["maxAbsDiffProbability"], "tolerance": tolerance,
                   "inputs": len(names), "inputKind": kind, "tta": tta,
                   "ensembleProbabilityRange": gate["ensembleProbabilityRange"], "members": gate["members"],
                   **({"metadataCases": gate["metadataCases"]} if "metadataCases" in gate else {}),
                   **({"images": names} if kind == "images" else {}),
                   **({"membersWithoutReference": [{"name": k, "reason": v} for k, v in unavailable.items()],
                       "note": "these members were compared with onnxruntime only (their source could not be used); "
                               "their own convert parity gate stands"} if unavailable else {})},
        "source": {"kind": "ensemble", "members": [{"name": m.name, "source": m.spec.get("source")} for m in members]},
        "export": {"tools": tools},
    }

    write_spec(str(out), spec)
    progress(f"wrote {out / SPEC_FILE} and {len(members)} member(s) under {out / 'members'}")
    return out


def ensemble_parity(members: list[Member], pixels: dict[str, np.ndarray], tta: str, sources: dict,
                    tolerance: float, progress=print) -> dict:
    """Member and ensemble probabilities on TensorFlow vs onnxruntime; raises ParityError listing every mismatch.
    ``sources``: member name -> sources.Source; a member without one is compared with onnxruntime only."""
    cases = None
    ref, run = {}, {}
    for m in members:
        x = to_model_input(pixels[m.name], m.norm)
        member_cases, extra = extra_input_vectors(m)
        if extra:
            if cases is not None and cases != member_cases:
                raise EnsembleRefused("members declare different patient-metadata encodings")
            cases = member_cases
        # one row per (metadata case, photo); members without extra inputs repeat their photos
        ncase = len(member_cases)
        y_onnx = np.concatenate([onnx_member_probabilities(m, x, tta, [e[c] for e in extra]) for c in range(ncase)])
        if m.name not in sources:
            y_tf = y_onnx
        else:
            y_tf = np.concatenate([tensorflow_member_probabilities(sources[m.name], x, tta, [e[c] for e in extra],
                                                                    progress) for c in range(ncase)])
        run[m.name], ref[m.name] = y_onnx, y_tf
    rows = max(len(v) for v in run.values())
    for k in run:  # a member without metadata gives the same answer whatever the case
        reps = rows // len(run[k])
        run[k], ref[k] = np.tile(run[k], reps), np.tile(ref[k], reps)
    mismatches, per = [], {}
    for m in members:
        d = np.abs(run[m.name] - ref[m.name])
        per[m.name] = {"maxAbsDiffProbability": float(d.max()),
                       "referenceProbabilityRange": [float(ref[m.name].min()), float(ref[m.name].max())],
                       **({} if m.name in sources else {"reference": "none: onnxruntime only"})}
        mismatches += [f"member {m.name} input {i}: onnx {run[m.name][i]:.7f} vs tensorflow {ref[m.name][i]:.7f}"
                       for i in np.nonzero(d > tolerance)[0]]
    p_run, p_ref = combine(run, members), combine(ref, members)
    d = np.abs(p_run - p_ref)
    mismatches += [f"ensemble input {i}: onnx {p_run[i]:.7f} vs tensorflow {p_ref[i]:.7f}"
                   for i in np.nonzero(d > tolerance)[0]]
    worst = max([float(d.max())] + [v["maxAbsDiffProbability"] for v in per.values()])
    if mismatches:
        raise ParityError(tolerance, mismatches, worst)
    skipped = [m.name for m in members if m.name not in sources]
    progress(f"  max |dprobability| = {worst:.3g} (ensemble {float(d.max()):.3g}; tolerance {tolerance:g}): passed"
             + (f"; without a TensorFlow reference: {', '.join(skipped)}" if skipped else ""))
    return {"maxAbsDiffProbability": worst, "members": per,
            "ensembleProbabilityRange": [float(p_ref.min()), float(p_ref.max())],
            **({"metadataCases": cases} if cases else {})}
