"""API benchmark (a script, not a test): cold start and warm latency, int8 vs float32 vs TensorFlow.

    python tests/bench/bench_api.py [--requests 30] [--cold-runs 9] [--variants int8,float32,...]

- cold start: a fresh Python process imports the Lambda handler (FastAPI, the reader, the models)
  and answers events/predict-jpeg-multipart.json through Mangum; timed inside the process from the
  first import to the response (interpreter start-up is shown apart). The code is what Lambda
  runs: the `sam build` output (.aws-sam/build: the function and both layers, with their compiled
  bytecode) alone on sys.path for int8 and float32, ahead of the venv for TensorFlow. Without a
  build (`make build`) the venv's editable sources are used and the figures say so.
- warm: uvicorn on 127.0.0.1 serving the same app; multipart POSTs of 640, 1600 and 4032 px JPEGs
  over one keep-alive connection (http.client, each body built once); p50/p95 of the client's
  wall time, after a few warm-up requests.
- variants, in the same run: int8 (the packaged models, what Lambda serves), float32 (the same
  models before quantisation), and TensorFlow (the .keras models in tf.keras with the full TF
  import, as the earlier project served them) called directly and through model.predict; and
  the earlier project's own stack ("earlier"): MobileNetV2 at 244x244x3 in tf.keras, two
  model.predict calls a photo (category, then the digit model: every photo here is a 7). Its
  weights are untrained (theirs are not available, ImageNet's are out of reach): the time a
  network takes does not depend on its weights, its answers do, so only its times are figures.
Every variant runs single-threaded (OpenCV, TFLite and TF), like a 1-vCPU Lambda. Ratios are
variant / int8 from this run. CPU contention from other jobs inflates every figure alike.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
if str(REPO) not in sys.path:  # run as a script: tests.servers is the repo's
    sys.path.insert(0, str(REPO))
EVENT = REPO / "events" / "predict-jpeg-multipart.json"
SIDES = (640, 1600, 4032)
WARMUP = 3
VARIANTS = ("int8", "float32", "tf", "tf-predict", "earlier")
LABELS = {"int8": "int8 TFLite", "float32": "float32 TFLite", "tf": "TensorFlow",
          "tf-predict": "TF .predict", "earlier": "earlier MNv2"}
# model.predict is ~10x slower per call: fewer requests keep the run near a minute.
PREDICT_VARIANTS = ("tf-predict", "earlier")
EARLIER_DIR = REPO / "build" / "bench" / "earlier"  # the earlier stack's untrained networks
EARLIER_SIDE = 244  # "resized to 244x244 (sic)": ../shared/docs/context.md
EARLIER_NETWORKS = {"category": 3, "digit": 10}  # classes; every bench photo is a 7


def warm_requests(variant: str, requests: int) -> int:
    """Warm requests per photo size for a variant (``requests`` unless it calls model.predict)."""
    return max(5, requests // 3) if variant in PREDICT_VARIANTS else requests


def model_dirs() -> tuple[Path, Path]:
    """(float32 TFLite dir, .keras dir): the real training's, else the smoke training's."""
    for base in (REPO / "build" / "models", REPO / "build" / "smoke" / "models"):
        if (base / "float32" / "category.tflite").is_file() and (base / "category.keras").is_file():
            return base / "float32", base
    raise SystemExit("no float32/.keras models in build/models or build/smoke/models: "
                     "run `make train` or `make smoke-train` first")


# ------------------------------------------------------------------ the server-side variants


def pin_threads() -> None:
    import cv2

    cv2.setNumThreads(1)


def single_threaded_tf() -> Any:
    """TensorFlow, its op pools pinned to one thread each (as the other variants are)."""
    import tensorflow as tf

    tf.config.threading.set_intra_op_parallelism_threads(1)
    tf.config.threading.set_inter_op_parallelism_threads(1)
    return tf


def keras_reader(keras_dir: Path, *, use_predict: bool) -> Any:
    """A boardread Reader whose three models are tf.keras models (same two-stage logic)."""
    import numpy as np
    from boardread.reader import Reader

    tf = single_threaded_tf()

    class KerasModel:
        def __init__(self, path: Path, *, class_logits: bool) -> None:
            model = tf.keras.models.load_model(path)
            if class_logits:  # as the exported category model's second output (its log)
                model = tf.keras.Model(model.input,
                                       [model.output, model.get_layer("fine_probs").output])
            self.model, self.class_logits = model, class_logits
            self.side = int(model.input_shape[1])

        def predict(self, image: np.ndarray) -> np.ndarray:
            return self.predict_with_logits(image)[0]

        def predict_with_logits(self, image: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
            x = (image.astype(np.float32) / 255.0).reshape(1, self.side, self.side, 1)
            y = self.model.predict(x, verbose=0) if use_predict else self.model(x, training=False)
            if not self.class_logits:
                probs = np.asarray(y)[0]
                return probs / probs.sum(), None
            probs, fine = (np.asarray(t)[0] for t in y)
            return probs / probs.sum(), np.log(np.maximum(fine, 1e-12))

    @dataclass
    class Labels:
        labels: tuple[str, ...]
        sha256: str
        raw: dict[str, Any]

    from boardread.manifest import default_model_dir
    from boardread.reader import _vote_indices

    reader = Reader.__new__(Reader)  # skip the TFLite loading; read() only needs these fields
    reader.manifests = {}
    reader.models = {}
    for name in ("category", "digit", "letter"):
        # Labels from the manifest beside the .keras file (a smoke build) or the packaged one.
        manifest = keras_dir / f"{name}.json"
        if not manifest.is_file():
            manifest = default_model_dir() / f"{name}.json"
        meta = json.loads(manifest.read_text())
        reader.manifests[name] = Labels(tuple(meta["labels"]), "keras", meta)  # type: ignore[assignment]
        reader.models[name] = KerasModel(  # type: ignore[assignment]
            keras_dir / f"{name}.keras", class_logits="class_labels" in meta)
    reader._votes = _vote_indices(reader.manifests)  # type: ignore[arg-type]
    reader.version = "keras-baseline"
    reader.input_side = reader.models["category"].side
    return reader


def save_earlier_models() -> None:
    """The earlier project's networks that a 7 goes through (MobileNetV2, 244 px colour
    input, its class counts), untrained, saved as .keras files for the cold start to load,
    once."""
    if all((EARLIER_DIR / f"{name}.keras").is_file() for name in EARLIER_NETWORKS):
        return
    import tensorflow as tf

    EARLIER_DIR.mkdir(parents=True, exist_ok=True)
    for name, classes in EARLIER_NETWORKS.items():
        model = tf.keras.applications.MobileNetV2(
            input_shape=(EARLIER_SIDE, EARLIER_SIDE, 3), weights=None, classes=classes)
        model.save(EARLIER_DIR / f"{name}.keras")


def earlier_reader() -> Any:
    """A reader that works as the earlier project's infer(): the glyph resized to 244x244x3,
    model.predict of the category network, then of the digit network. It loads only those two
    (a server that also reads letters loads the third too: its cold start is understated)."""
    import cv2
    import numpy as np
    from boardread.reader import CATEGORIES, Option

    from training.glyphs import DIGITS

    tf = single_threaded_tf()

    class EarlierReader:
        version = "earlier-mobilenetv2-untrained"

        def __init__(self) -> None:
            self.manifests: dict[str, Any] = {}
            self.models = {name: tf.keras.models.load_model(EARLIER_DIR / f"{name}.keras")
                           for name in EARLIER_NETWORKS}

        def read(self, image: np.ndarray) -> list[Option]:
            big = cv2.resize(image, (EARLIER_SIDE, EARLIER_SIDE), interpolation=cv2.INTER_LINEAR)
            x = np.repeat(big[None, :, :, None], 3, axis=3).astype(np.float32) / 255.0
            p_cat = self.models["category"].predict(x, verbose=0)[0]
            p_digit = self.models["digit"].predict(x, verbose=0)[0]
            options = [Option("digit", label, float(p_cat[0] * p), float(p_cat[0]), float(p))
                       for label, p in zip(DIGITS, p_digit)]
            options += [Option(c, None, float(p), float(p), None)
                        for c, p in zip(CATEGORIES[1:], p_cat[1:])]
            return sorted(options, key=lambda o: o.confidence, reverse=True)

    return EarlierReader()


def build_handler_and_app(variant: str) -> tuple[Any, Any]:
    """(Mangum handler, FastAPI app) for a variant, built as the Lambda handler module does."""
    if variant in ("int8", "float32"):  # float32: BOARDREAD_MODEL_DIR set by child_env()
        from boardread_api import handler as module

        return module.handler, module.handler.app
    from boardread_api import Settings, create_app
    from boardread_api.deps import app_reader
    from mangum import Mangum

    pin_threads()
    reader = (earlier_reader() if variant == "earlier"
              else keras_reader(model_dirs()[1], use_predict=variant == "tf-predict"))
    app = create_app(Settings())
    app.dependency_overrides[app_reader] = lambda: reader
    return Mangum(app, lifespan="off"), app


def child_cold(variant: str) -> None:
    started, cpu_started = time.perf_counter(), time.process_time()
    handler, _ = build_handler_and_app(variant)
    ready = time.perf_counter()
    event = json.loads(EVENT.read_text())

    class Context:
        aws_request_id = "bench"

    result = handler(event, Context())
    done, cpu_done = time.perf_counter(), time.process_time()
    print(json.dumps({"init_ms": (ready - started) * 1000, "first_ms": (done - ready) * 1000,
                      "cpu_ms": (cpu_done - cpu_started) * 1000, "status": result["statusCode"]}))


def child_serve(variant: str, port: int) -> None:
    import uvicorn

    _, app = build_handler_and_app(variant)
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)


# ---------------------------------------------------------------------------- the driver


def lambda_code() -> list[Path] | None:
    """The sam build's function and layer directories, as Lambda puts them on sys.path."""
    if str(REPO / "layers") not in sys.path:
        sys.path.insert(0, str(REPO / "layers"))
    from size_report import lambda_sys_path

    dirs = lambda_sys_path(REPO / ".aws-sam" / "build", "ApiFunction")
    return dirs if all(d.is_dir() for d in dirs) else None


def cold_child(variant: str) -> tuple[list[str], dict[str, str]]:
    """Command and environment of a cold-start child: the sam build first on sys.path when
    there is one; -S (no site-packages) for int8 and float32, so they import only the build
    (TensorFlow needs the venv)."""
    env, code = child_env(variant), lambda_code()
    if code is None:
        return [sys.executable, __file__, "--child", "cold", "--variant", variant], env
    env["PYTHONPATH"] = os.pathsep.join(map(str, code))
    isolated = ["-S"] if variant in ("int8", "float32") else []
    return [sys.executable, *isolated, __file__, "--child", "cold", "--variant", variant], env


def child_env(variant: str) -> dict[str, str]:
    """The environment of a child: no BOARDREAD_* from the shell, the variant's model dir."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("BOARDREAD_")}
    env.update(BOARDREAD_LOG_LEVEL="WARNING", TF_CPP_MIN_LOG_LEVEL="3",
               OPENBLAS_NUM_THREADS="1", PYDANTIC_DISABLE_PLUGINS="1")  # as on Lambda
    if variant == "float32":
        env["BOARDREAD_MODEL_DIR"] = str(model_dirs()[0])
    return env


def interpreter_start_ms(runs: int) -> float:
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        subprocess.run([sys.executable, "-c", "pass"], check=True)
        times.append((time.perf_counter() - t) * 1000)
    return statistics.median(times)


def cold_starts(variants: list[str], runs: int) -> dict[str, dict[str, float]]:
    """Each variant's cold start ``runs`` times (TensorFlow once less: 3 s each), the variants
    taking turns: this machine's speed drifts by up to ~20 % over minutes, and a block of runs
    per variant would give that drift to one of them."""
    results: dict[str, list[dict[str, float]]] = {v: [] for v in variants}
    for round_ in range(runs):
        for variant in variants:
            if variant in ("int8", "float32") or round_ < runs - 1 or runs == 1:
                results[variant].append(one_cold_start(variant))
    return {variant: summarise_cold(rs) for variant, rs in results.items()}


def one_cold_start(variant: str) -> dict[str, float]:
    command, env = cold_child(variant)
    done = subprocess.run(command, capture_output=True, text=True, env=env, timeout=300,
                          check=False)
    if done.returncode != 0:
        raise SystemExit(f"{variant} cold start failed:\n{done.stderr[-2000:]}")
    result: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["status"] == 200, result
    return result


def summarise_cold(results: list[dict[str, float]]) -> dict[str, float]:
    init = statistics.median(r["init_ms"] for r in results)
    first = statistics.median(r["first_ms"] for r in results)
    total = statistics.median(r["init_ms"] + r["first_ms"] for r in results)
    cpu = statistics.median(r["cpu_ms"] for r in results)
    return {"init": init, "first": first, "total": total, "cpu": cpu}


def jpeg_at(side: int, seed: int) -> bytes:
    import cv2
    import numpy as np

    from training.glyphs import GlyphSpec
    from training.render import render_photo

    spec = GlyphSpec("hershey", "digit", "7", "hershey:futura", "futural", "7")
    photo = render_photo(spec, seed, "whiteboard")
    image = cv2.imdecode(np.frombuffer(photo.data, np.uint8), cv2.IMREAD_COLOR)
    scale = side / max(image.shape[:2])
    image = cv2.resize(image, None, fx=scale, fy=scale,
                       interpolation=cv2.INTER_AREA if scale < 1 else cv2.INTER_CUBIC)
    ok, buf = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, 90])
    assert ok
    return bytes(buf.tobytes())


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (all its threads)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def multipart_body(data: bytes) -> tuple[bytes, str]:
    """A multipart/form-data body with ``data`` as the ``file`` part, and its Content-Type."""
    boundary = "boardread-bench-7d1c0e5a"
    head = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; "
            f"filename=\"board.jpg\"\r\nContent-Type: image/jpeg\r\n\r\n").encode()
    tail = f"\r\n--{boundary}--\r\n".encode()
    return head + data + tail, f"multipart/form-data; boundary={boundary}"


class Client:
    """A keep-alive HTTP/1.1 connection to the server: http.client, the body built once per
    photo, so the figures are the server's and the wire's (httpx, building each multipart body
    anew, added ~1.3 ms to a 1600 px request here)."""

    def __init__(self, port: int) -> None:
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)

    def request(self, method: str, path: str, body: bytes | None = None,
                content_type: str | None = None) -> tuple[int, bytes]:
        headers = {"content-type": content_type} if content_type else {}
        self.connection.request(method, path, body=body, headers=headers)
        response = self.connection.getresponse()
        return response.status, response.read()

    def close(self) -> None:
        self.connection.close()


def warm(variant: str, photos: dict[int, bytes], requests: int) -> dict[Any, Any]:
    from tests.servers import free_port, stop_server, wait_for_health

    port = free_port()
    fd, name = tempfile.mkstemp(prefix=f"bench-{variant}-", suffix=".log")
    log = Path(name)
    with os.fdopen(fd, "wb") as out:
        server = subprocess.Popen([sys.executable, __file__, "--child", "serve", "--variant",
                                   variant, "--port", str(port)], env=child_env(variant),
                                  stdout=subprocess.DEVNULL, stderr=out)
    client = None
    try:
        wait_for_health(f"http://127.0.0.1:{port}", server, log, timeout_s=120)
        client = Client(port)
        figures: dict[Any, Any] = {}
        for side, data in photos.items():
            body, content_type = multipart_body(data)
            for _ in range(WARMUP):
                assert client.request("POST", "/predict", body, content_type)[0] == 200
            wall, core = [], []
            cpu_before = cpu_seconds(server.pid)
            for _ in range(requests):
                t = time.perf_counter()
                status, answer = client.request("POST", "/predict", body, content_type)
                wall.append((time.perf_counter() - t) * 1000)
                assert status == 200, answer
                core.append(json.loads(answer)["timings_ms"]["total"])
            cpu_ms = (cpu_seconds(server.pid) - cpu_before) * 1000 / requests
            figures[side] = {"p50": percentile(wall, 50), "p95": percentile(wall, 95),
                             "core_p50": percentile(core, 50), "cpu": cpu_ms}
        figures["rss"] = peak_rss_mb(server.pid)
        return figures
    finally:
        if client is not None:
            client.close()
        stop_server(server, timeout_s=30)
        log.unlink(missing_ok=True)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    k = (len(ordered) - 1) * q / 100
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def print_tables(cold: dict[str, dict[str, float]], hot: dict[str, dict[Any, Any]],
                 start_ms: float, requests: int) -> None:
    base_cold, base_hot = cold["int8"], hot["int8"]
    print(f"\nCold start (median of the runs; interpreter start-up {start_ms:.0f} ms not included)")
    print(f"{'variant':<16}{'init ms':>9}{'1st req ms':>12}{'total ms':>10}{'x int8':>8}"
          f"{'CPU ms':>9}{'x int8':>8}")
    for variant, c in cold.items():
        print(f"{LABELS[variant]:<16}{c['init']:>9.0f}{c['first']:>12.0f}{c['total']:>10.0f}"
              f"{c['total'] / base_cold['total']:>8.1f}{c['cpu']:>9.0f}"
              f"{c['cpu'] / base_cold['cpu']:>8.1f}")
    print(f"\nWarm, over HTTP (uvicorn, 127.0.0.1), {requests} requests per size "
          f"({warm_requests(PREDICT_VARIANTS[0], requests)} for "
          f"{' and '.join(LABELS[v] for v in PREDICT_VARIANTS)}): client wall ms")
    header = "".join(f"{f'{s}px p50':>11}{'p95':>7}" for s in SIDES)
    print(f"{'variant':<16}{header}{'peak RSS MB':>13}")
    for variant, h in hot.items():
        cells = "".join(f"{h[s]['p50']:>11.1f}{h[s]['p95']:>7.1f}" for s in SIDES)
        print(f"{LABELS[variant]:<16}{cells}{h['rss']:>13.0f}")
    print("\nRatios to int8 (p50 over HTTP; > 1 means slower than int8)")
    print(f"{'variant':<16}" + "".join(f"{f'{s}px':>9}" for s in SIDES) + f"{'cold':>9}")
    for variant, h in hot.items():
        cells = "".join(f"{h[s]['p50'] / base_hot[s]['p50']:>9.1f}" for s in SIDES)
        print(f"{LABELS[variant]:<16}{cells}{cold[variant]['total'] / base_cold['total']:>9.1f}"
              if variant in cold else f"{LABELS[variant]:<16}{cells}")
    print("\nServer CPU per request (mean ms; the wall time on an idle vCPU) and the pipeline's own "
          "timings_ms.total (p50 ms)")
    print(f"{'variant':<16}" + "".join(f"{f'{s}px CPU':>11}{'x int8':>7}{'core':>7}" for s in SIDES))
    for variant, h in hot.items():
        print(f"{LABELS[variant]:<16}" + "".join(
            f"{h[s]['cpu']:>11.1f}{h[s]['cpu'] / base_hot[s]['cpu']:>7.1f}{h[s]['core_p50']:>7.1f}"
            for s in SIDES))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=30, help="timed requests per size")
    parser.add_argument("--cold-runs", type=int, default=9)
    parser.add_argument("--variants", default=",".join(VARIANTS))
    parser.add_argument("--child", choices=("cold", "serve"), help=argparse.SUPPRESS)
    parser.add_argument("--variant", choices=VARIANTS, help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child == "cold":
        child_cold(args.variant)
        return 0
    if args.child == "serve":
        child_serve(args.variant, args.port)
        return 0

    variants = [v for v in args.variants.split(",") if v]
    if variants[0] != "int8" or set(variants) - set(VARIANTS):
        raise SystemExit(f"--variants must start with int8 and be among {VARIANTS}")
    if variants != ["int8"]:  # the baselines need the training's float32 and .keras models
        float32_dir, keras_dir = model_dirs()
        print(f"float32 models: {float32_dir.relative_to(REPO)}   keras models: "
              f"{keras_dir.relative_to(REPO)}")
    print(f"cpus: {os.cpu_count()}   load average: {os.getloadavg()[0]:.1f}")
    print("cold start code: " + ("the sam build (.aws-sam/build), with its bytecode" if lambda_code()
                                 else "the venv's editable sources (no `make build` yet)"))
    started = time.perf_counter()
    if "earlier" in variants:
        save_earlier_models()
    photos = {side: jpeg_at(side, 5) for side in SIDES}
    start_ms = interpreter_start_ms(args.cold_runs)
    # The call style (tf-predict) does not change the import and load: no cold start of its own.
    cold = cold_starts([v for v in variants if v != "tf-predict"], args.cold_runs)
    print(f"  cold starts done ({time.perf_counter() - started:.0f} s)", flush=True)
    hot: dict[str, dict[Any, Any]] = {}
    for variant in variants:
        hot[variant] = warm(variant, photos, warm_requests(variant, args.requests))
        print(f"  {LABELS[variant]} done ({time.perf_counter() - started:.0f} s)", flush=True)
    print_tables(cold, hot, start_ms, args.requests)
    return 0


if __name__ == "__main__":
    sys.exit(main())
