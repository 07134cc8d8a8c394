"""``melanoma-export train``: an EfficientNet trained from scratch on labelled dermoscopy photos, the way the
SIIM-ISIC notebooks trained theirs, resumable, with its validation AUC measured in TensorFlow.

    melanoma-export train [--data ../shared/isic-train] --out runs/isic-b0

1. the photos go into stratified folds and are written as TFRecords (``tfrecords.py``: OpenCV decode, centre
   crop, INTER_AREA resize, JPEG q95);
2. for each trained fold, keras.applications EfficientNetB0 (``weights=None``: no pretrained weights) +
   global average pooling + dropout + Dense(1, sigmoid) learns from the other folds' records, read with
   ``tf.io.decode_jpeg`` (its default fast DCT) and augmented (``augment.py``); the loss is binary
   cross-entropy with each class weighted by the inverse of its share; AdamW with a linear learning-rate
   warm-up, then cosine decay;
3. after every epoch: the fold's validation records are scored (no augmentation) and their exact ROC AUC
   (scikit-learn) recorded, and the model with its optimizer state is saved, so that a stopped run goes on
   from its last finished epoch when started again with the same ``--out``;
4. at the end: ``fold<k>/model.keras`` (the last epoch's model, no optimizer), ``fold<k>/validation.csv``
   (each validation photo's TensorFlow probability) and ``training.json`` (the recipe, the per-epoch
   figures, times and tool versions).

The model is the last epoch's, not the epoch with the best validation AUC: choosing on the validation fold
would make its AUC an optimistic estimate.
"""

from __future__ import annotations

import csv
import json
import os
import platform
import time
from dataclasses import asdict
from pathlib import Path

from melanoma_export import backend

# oneDNN's kernels train about twice as fast on x86 (backend.use turns them off for bit-stable parity runs)
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "1")
backend.use("tensorflow")

import keras  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

from melanoma_export import augment, tfrecords  # noqa: E402
from melanoma_export.errors import ExportError  # noqa: E402
from melanoma_export.recipe import TrainConfig  # noqa: E402

ARCHS = {"efficientnetb0": keras.applications.EfficientNetB0, "efficientnetb1": keras.applications.EfficientNetB1,
         "efficientnetb2": keras.applications.EfficientNetB2, "efficientnetb3": keras.applications.EfficientNetB3}


class TrainingError(ExportError):
    exit_code = 1


def build_model(arch: str, size: int, dropout: float, seed: int, diagnoses: int = 0) -> keras.Model:
    """keras.applications EfficientNet with random weights (its Rescaling and Normalization inside: the model
    takes 0..255 RGB), global average pooling, dropout, one sigmoid unit: the head ``convert`` expects.

    With ``diagnoses`` > 0 a second head, a softmax over that many diagnoses, learns beside it from the same
    pooled features (training only: the exported model is the first head alone, see ``melanoma_only``)."""
    keras.utils.set_random_seed(seed)
    base = ARCHS[arch](include_top=False, weights=None, input_shape=(size, size, 3))
    x = keras.layers.GlobalAveragePooling2D(name="avg_pool")(base.output)
    x = keras.layers.Dropout(dropout, name="top_dropout")(x)
    out = keras.layers.Dense(1, activation="sigmoid", name="probability")(x)
    if diagnoses:
        aux = keras.layers.Dense(diagnoses, activation="softmax", name="diagnosis")(x)
        return keras.Model(base.input, [out, aux], name=f"{arch}_melanoma_diagnosis")
    return keras.Model(base.input, out, name=f"{arch}_melanoma")


def melanoma_only(model: keras.Model, cfg: TrainConfig, seed: int) -> keras.Model:
    """The trained model with its melanoma head alone (what convert and the service run): every layer's
    weights copied by position, the diagnosis head left behind."""
    final = build_model(cfg.arch, cfg.size, cfg.dropout, seed)
    # by position, not by name: Keras numbers a second model's auto-named layers afresh in the same process
    # ("normalization" becomes "normalization_1"), and both graphs list the same layers in the same order
    trained = [layer for layer in model.layers if layer.name != "diagnosis"]
    if len(trained) != len(final.layers):
        raise TrainingError(f"the trained model has {len(trained)} layers besides its diagnosis head, "
                            f"the melanoma model {len(final.layers)}")
    for source, layer in zip(trained, final.layers):
        if type(source) is not type(layer):
            raise TrainingError(f"layer {source.name} ({type(source).__name__}) does not match {layer.name} "
                                f"({type(layer).__name__})")
        if layer.weights:
            layer.set_weights(source.get_weights())
    return final


def _melanoma_output(outputs):
    return outputs[0] if isinstance(outputs, (list, tuple)) else outputs


def _parse(raw):
    f = tf.io.parse_single_example(raw, {"image": tf.io.FixedLenFeature([], tf.string),
                                         "image_name": tf.io.FixedLenFeature([], tf.string),
                                         "target": tf.io.FixedLenFeature([], tf.int64),
                                         "diagnosis": tf.io.FixedLenFeature([], tf.string, default_value="")})
    # dct_method left at TensorFlow's default (libjpeg's fast integer IDCT), as the notebooks read their records
    image = tf.cast(tf.io.decode_jpeg(f["image"], channels=3), tf.float32)
    return image, tf.cast(f["target"], tf.float32), f["image_name"], f["diagnosis"]


def train_dataset(files: list[str], size: int, batch: int, seed: int, epoch: int, class_weights,
                  diagnoses: tuple[str, ...] = ()) -> tf.data.Dataset:
    """One epoch: every training record once, shuffled and augmented as a function of (seed, epoch). With
    ``diagnoses``, each record's label is (melanoma, index of its diagnosis among them)."""
    ds = tf.data.TFRecordDataset(files).shuffle(16384, seed=seed + epoch, reshuffle_each_iteration=False)
    ds = ds.enumerate()
    weights = tf.constant(class_weights, tf.float32)
    table = tf.lookup.StaticHashTable(tf.lookup.KeyValueTensorInitializer(
        tf.constant(list(diagnoses) or [""]), tf.range(max(1, len(diagnoses)), dtype=tf.int64)), -1) \
        if diagnoses else None

    def one(i, raw):
        image, target, _, diagnosis = _parse(raw)
        image = augment.augment(tf.reshape(image, [size, size, 3]), tf.stack([tf.cast(seed + epoch, tf.int64), i]),
                                size)
        label = target[tf.newaxis]
        if table is not None:
            label = (label, table.lookup(diagnosis)[tf.newaxis])
        return image, label, weights[tf.cast(target, tf.int32)]

    # repeated so that Keras can take exactly steps_per_epoch batches without running dry
    return ds.map(one, num_parallel_calls=tf.data.AUTOTUNE, deterministic=True) \
        .batch(batch, drop_remainder=True).repeat().prefetch(tf.data.AUTOTUNE)


def eval_dataset(files: list[str], size: int, batch: int) -> tf.data.Dataset:
    def one(raw):
        image, target, name, _ = _parse(raw)
        return tf.reshape(image, [size, size, 3]), target, name

    return tf.data.TFRecordDataset(files).map(one, num_parallel_calls=tf.data.AUTOTUNE).batch(batch)


def score(model: keras.Model, files: list[str], size: int, batch: int = 64):
    """(names, targets, probabilities) of every record, in file order, the model in inference mode."""
    names, targets, probs = [], [], []
    for images, target, name in eval_dataset(files, size, batch):
        # predict_on_batch runs a compiled inference step: eager model(x) took ~100 s per 1,746 photos on 2 cores
        p = _melanoma_output(model.predict_on_batch(images))
        probs.append(np.asarray(p, np.float64).reshape(-1))
        targets.append(target.numpy())
        names += [n.decode() for n in name.numpy()]
    return names, np.concatenate(targets).astype(int), np.concatenate(probs)


def exact_auc(y, p) -> float | None:
    from sklearn.metrics import roc_auc_score

    return float(roc_auc_score(y, p)) if 0 < y.sum() < len(y) else None


def _tools() -> dict:
    import sklearn

    return {"python": platform.python_version(), "tensorflow": tf.__version__, "keras": keras.__version__,
            "numpy": np.__version__, "opencv": __import__("cv2").__version__, "scikit-learn": sklearn.__version__}


def _machine() -> dict:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {"cpu": cpu, "cpus": os.cpu_count(), "machine": platform.machine()}


class _Checkpoints:
    """fold<k>/checkpoint/: the last finished epoch's model with its optimizer (``last.keras``) and
    ``state.json`` (epochs done and their figures), written atomically (temp file + rename)."""

    def __init__(self, fold_dir: Path):
        self.dir = fold_dir / "checkpoint"
        self.model_path = self.dir / "last.keras"
        self.state_path = self.dir / "state.json"

    def load(self):
        if not self.state_path.is_file() or not self.model_path.is_file():
            return None, {"epochs": []}
        state = json.loads(self.state_path.read_text())
        return keras.models.load_model(self.model_path, compile=True), state

    def save(self, model: keras.Model, state: dict) -> None:
        self.dir.mkdir(parents=True, exist_ok=True)
        tmp = self.dir / "last.tmp.keras"
        model.save(tmp)
        tmp.replace(self.model_path)
        tmp = self.dir / "state.tmp.json"
        tmp.write_text(json.dumps(state, indent=2) + "\n")
        tmp.replace(self.state_path)


def _compile(model: keras.Model, cfg: TrainConfig, steps_per_epoch: int, diagnoses: bool) -> None:
    total = steps_per_epoch * cfg.epochs
    warmup = max(1, int(round(cfg.warmup_epochs * steps_per_epoch)))
    schedule = keras.optimizers.schedules.CosineDecay(
        initial_learning_rate=cfg.learning_rate * 0.05, decay_steps=max(1, total - warmup),
        alpha=cfg.final_learning_rate_fraction, warmup_target=cfg.learning_rate, warmup_steps=warmup)
    # decoupled weight decay on every variable (an exclusion list would not survive the checkpoint's reload)
    optimizer = keras.optimizers.AdamW(learning_rate=schedule, weight_decay=cfg.weight_decay)
    # XLA (jit_compile) made a B0 training step ~10x slower on a 2-core CPU, compilation included
    if diagnoses:
        model.compile(optimizer=optimizer, jit_compile=False,
                      loss=[keras.losses.BinaryCrossentropy(), keras.losses.SparseCategoricalCrossentropy()],
                      loss_weights=[1.0, cfg.diagnosis_weight])
    else:
        model.compile(optimizer=optimizer, loss=keras.losses.BinaryCrossentropy(), jit_compile=False)


def diagnosis_classes(photos, cfg: TrainConfig) -> tuple[str, ...]:
    """The diagnoses the auxiliary head tells apart: every one the labels name, when they name more than
    melanoma and benign and the recipe weighs that head above 0."""
    names = tuple(sorted({p.diagnosis for p in photos}))
    return names if cfg.diagnosis_weight > 0 and len(names) > 2 else ()


def train_fold(cfg: TrainConfig, written: tfrecords.Written, fold: int, progress,
               diagnoses: tuple[str, ...] = ()) -> dict:
    fold_dir = Path(cfg.out) / f"fold{fold}"
    train_files = written.fold_files([k for k in range(cfg.folds) if k != fold])
    val_files = written.fold_files([fold])
    n_train = sum(written.counts[str(k)]["photos"] for k in range(cfg.folds) if k != fold)
    n_pos = sum(written.counts[str(k)]["melanoma"] for k in range(cfg.folds) if k != fold)
    # weighted binary cross-entropy: each class weighs half of the total
    class_weights = [n_train / (2.0 * (n_train - n_pos)), n_train / (2.0 * n_pos)]
    steps = n_train // cfg.batch_size
    if steps < 1:
        raise TrainingError(f"fold {fold}: {n_train} training photos are fewer than one batch of {cfg.batch_size}")
    checkpoints = _Checkpoints(fold_dir)
    model, state = checkpoints.load()
    if model is None:
        model = build_model(cfg.arch, cfg.size, cfg.dropout, cfg.seed + fold, len(diagnoses))
        _compile(model, cfg, steps, bool(diagnoses))
        state = {"epochs": [], "classWeights": class_weights, "trainPhotos": n_train, "trainMelanoma": n_pos,
                 "stepsPerEpoch": steps, "diagnoses": list(diagnoses)}
    else:
        progress(f"fold {fold}: resuming after epoch {len(state['epochs'])} of {cfg.epochs}")
    ran = 0
    while len(state["epochs"]) < cfg.epochs:
        if cfg.stop_after_epochs is not None and ran >= cfg.stop_after_epochs:
            progress(f"fold {fold}: stopping after {ran} epoch(s) as asked; run again to go on")
            return {"fold": fold, "finished": False, **state}
        epoch = len(state["epochs"])
        t0 = time.time()
        history = model.fit(train_dataset(train_files, cfg.size, cfg.batch_size, cfg.seed, epoch, class_weights,
                                          diagnoses), epochs=1, steps_per_epoch=steps, verbose=0)
        t_train = time.time() - t0
        names, y, p = score(model, val_files, cfg.size)
        auc = exact_auc(y, p)
        lr = float(keras.ops.convert_to_numpy(model.optimizer.learning_rate))
        entry = {"epoch": epoch + 1, "loss": float(history.history["loss"][-1]), "validationAuc": auc,
                 "validationLogLoss": float(-np.mean(y * np.log(np.clip(p, 1e-7, 1)) +
                                                     (1 - y) * np.log(np.clip(1 - p, 1e-7, 1)))),
                 "learningRate": lr, "trainSeconds": round(t_train, 1),
                 "validationSeconds": round(time.time() - t0 - t_train, 1)}
        state["epochs"].append(entry)
        checkpoints.save(model, state)
        ran += 1
        auc_text = "n/a" if auc is None else f"{auc:.4f}"
        progress(f"fold {fold}: epoch {epoch + 1}/{cfg.epochs} loss {entry['loss']:.4f} "
                 f"validation AUC {auc_text} ({entry['trainSeconds']:.0f} s + {entry['validationSeconds']:.0f} s)")
    # the final model, without the optimizer (what convert reads), and the validation scores it gives
    final = melanoma_only(model, cfg, cfg.seed + fold)
    final.save(fold_dir / "model.keras")
    names, y, p = score(final, val_files, cfg.size)
    paths = {}
    with open(Path(written.directory) / f"fold{fold}-labels.csv", newline="") as f:
        for row in csv.DictReader(f):
            paths[Path(row["image_name"]).stem] = row["image_name"]
    with open(fold_dir / "validation.csv", "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["image_name", "target", "probability"])
        for n, t, q in zip(names, y, p):
            w.writerow([paths.get(n, n), int(t), f"{q:.9g}"])
    return {"fold": fold, "finished": True, "validationAuc": exact_auc(y, p), "validationPhotos": int(len(y)),
            "validationMelanoma": int(y.sum()), "model": str(Path(f"fold{fold}") / "model.keras"),
            "validationScores": str(Path(f"fold{fold}") / "validation.csv"), **state}


def train(cfg: TrainConfig, progress=print) -> str:
    if cfg.arch not in ARCHS:
        raise TrainingError(f"--arch {cfg.arch}: one of {', '.join(ARCHS)}")
    bad = [k for k in cfg.train_folds if not 0 <= k < cfg.folds]
    if bad:
        raise TrainingError(f"--train-folds {bad}: folds are 0..{cfg.folds - 1}")
    if cfg.threads:
        tf.config.threading.set_intra_op_parallelism_threads(cfg.threads)
    started = time.time()
    out = Path(cfg.out)
    out.mkdir(parents=True, exist_ok=True)
    photos, unlabelled = tfrecords.read_photos(cfg.data, cfg.labels)
    if cfg.limit:
        photos = photos[:cfg.limit]
    progress(f"data: {len(photos)} photos, {sum(p.target for p in photos)} melanoma, from {cfg.data}"
             + (f" ({unlabelled} rows without a melanoma/benign label left out)" if unlabelled else ""))
    written = tfrecords.write_tfrecords(photos, cfg.data, str(out / "tfrecords"), cfg.size, cfg.crop_fraction,
                                        cfg.folds, cfg.seed, progress)
    report_path = out / "training.json"
    previous = json.loads(report_path.read_text()) if report_path.is_file() else {}
    diagnoses = diagnosis_classes(photos, cfg)
    results = []
    for fold in cfg.train_folds:
        results.append(train_fold(cfg, written, fold, progress, diagnoses))
    pp = tfrecords.writer_preprocessing(cfg.size, cfg.crop_fraction)
    report = {
        "recipe": {k: v for k, v in asdict(cfg).items() if k not in ("out", "stop_after_epochs", "extra", "threads")},
        "weights": "trained from scratch (weights=None): no pretrained weights",
        "loss": "binary cross-entropy, each class weighted by n / (2 n_class)"
                + (f"; plus {cfg.diagnosis_weight:g} x the cross-entropy of a softmax head over the {len(diagnoses)} "
                   f"diagnoses ({', '.join(diagnoses)}), same photo weights, trained beside it and left out of "
                   "the exported model" if diagnoses else ""),
        "schedule": f"AdamW (weight decay {cfg.weight_decay:g}); learning rate linear warm-up from 5 % of the peak, then cosine decay to "
                    f"{cfg.final_learning_rate_fraction:g} of it",
        "augmentation": {"rotation": "uniform +-180 deg", "mirror": "p 0.5", "shear": f"+-{augment.SHEAR:.3f} rad",
                         "zoom": list(augment.ZOOM), "aspect": f"+-{augment.ASPECT} (log)",
                         "shift": f"+-{augment.SHIFT} of the side", "brightness": f"+-{augment.BRIGHTNESS:.1f} levels",
                         "contrast": list(augment.CONTRAST), "saturation": list(augment.SATURATION)},
        "tfrecords": {"directory": "tfrecords", "files": written.files, "counts": written.counts,
                      "writer": "cv2.imread -> centre square -> cv2.resize(INTER_AREA) -> cv2.imencode q95",
                      "readBy": "tf.io.decode_jpeg (default dct_method: libjpeg's fast integer IDCT)"},
        "convertFlags": f"--resize opencv:area --crop-fraction {cfg.crop_fraction:g} "
                        f"--jpeg-roundtrip {pp.jpeg_roundtrip.quality}",
        "folds": results,
        "machine": _machine(), "tools": _tools(),
        # invocations that reached this line; one killed mid-run is missing (each epoch's own seconds are not)
        "wallSeconds": round(previous.get("wallSeconds", 0.0) + time.time() - started, 1),
    }
    tmp = out / "training.tmp.json"
    tmp.write_text(json.dumps(report, indent=2) + "\n")
    tmp.replace(report_path)
    finished = [r for r in results if r.get("finished")]
    for r in finished:
        progress(f"fold {r['fold']}: validation AUC {r['validationAuc']} on {r['validationPhotos']} photos "
                 f"({r['validationMelanoma']} melanoma)")
    return str(report_path)
