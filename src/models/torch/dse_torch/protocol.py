""""""

import base64
import faulthandler
import json
import os
import signal
import sys
import traceback

from .stdio import die_with_parent, emit, isolate_stdout

isolate_stdout()
faulthandler.enable(file=sys.stderr)
die_with_parent()
sys.dont_write_bytecode = True  # the package folder may be read-only; never leave __pycache__ in it

import numpy as np  # noqa: E402
import torch  # noqa: E402

from . import counter, manifest as manifest_mod, network, ops  # noqa: E402
from .precise_bn import precise_bn_batches, recompute_bn_stats  # noqa: E402
from .train import train  # noqa: E402


def encode(t):
    a = t.detach().to("cpu", torch.float32).contiguous().numpy()
    return {"shape": list(a.shape), "data": base64.b64encode(a.tobytes()).decode("ascii")}


def decode(obj):
    a = np.frombuffer(base64.b64decode(obj["data"]), dtype=np.float32).reshape(obj["shape"])
    return torch.from_numpy(a.copy())


def forward(msg, manifest):
    """Builds with a seed, optionally gives every BN random statistics (so eval mode is not the identity)
    and recomputes them by a precise-BN pass over given images, runs the input in eval mode; returns
    the logits and every parameter and buffer by name."""
    torch.manual_seed(int(msg.get("seed", 0)))
    model = network.build_network(msg["network"], manifest)
    if msg.get("randomize_bn"):
        gen = torch.Generator().manual_seed(int(msg.get("seed", 0)) + 1)
        for m in model.modules():
            if isinstance(m, torch.nn.BatchNorm2d):
                c = m.num_features
                m.running_mean.copy_(torch.randn(c, generator=gen) * 0.1)
                m.running_var.copy_(torch.rand(c, generator=gen) * 0.5 + 0.75)
                m.weight.data.copy_(torch.rand(c, generator=gen) * 0.5 + 0.75)
                m.bias.data.copy_(torch.randn(c, generator=gen) * 0.1)
    precise = msg.get("precise_bn")
    if precise:
        images, size = decode(precise["input"]), int(precise["batch_size"])
        recompute_bn_stats(model, (images[start:end] for start, end in precise_bn_batches(images.shape[0], size, images.shape[0])))
    model.eval()
    with torch.no_grad():
        logits = model(decode(msg["input"]))
    state = {k: v for k, v in model.state_dict().items() if not k.endswith("num_batches_tracked")}
    if msg.get("weights_path"):
        write_weights(msg["weights_path"], state)
        return {"event": "forward", "logits": encode(logits), "weights": None}
    return {"event": "forward", "logits": encode(logits), "weights": {k: encode(v) for k, v in state.items()}}


def write_weights(path, state):
    """Weights as one file: a 4-byte header length, a JSON header {name: [offset, shape]}, then float32 data."""
    header, chunks, offset = {}, [], 0
    for k, v in state.items():
        a = v.detach().to("cpu", torch.float32).contiguous().numpy()
        header[k] = [offset, list(a.shape)]
        chunks.append(a.tobytes())
        offset += a.nbytes
    head = json.dumps(header).encode("utf-8")
    with open(path, "wb") as f:
        f.write(len(head).to_bytes(4, "little"))
        f.write(head)
        for c in chunks:
            f.write(c)


def handle(msg, manifest):
    cmd = msg.get("cmd")
    if cmd == "train":
        emit({"event": "result", "result": train(msg["request"], manifest, emit)})
    elif cmd == "build":
        model = network.build_network(msg["network"], manifest)
        got = counter.count(model, model.input_shape)
        emit({"event": "built", "params": network.count_params(model), "count": {k: got[k] for k in ("flops", "params", "acts")}})
    elif cmd == "forward":
        emit(forward(msg, manifest))
    elif cmd == "ping":
        emit({"event": "pong"})
    elif cmd == "exit":
        return False
    else:
        raise ValueError("unknown command {!r} (known: train, build, forward, ping, exit)".format(cmd))
    return True


def main():
    # Ctrl-C in a terminal reaches the whole process group; dse decides what an interrupt means
    # (it stops the trial and kills this process), so the trainer must not die on it first.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    threads = int(os.environ.get("DSE_TORCH_THREADS", "0") or 0)
    if threads > 0:
        torch.set_num_threads(threads)
    try:
        manifest = manifest_mod.load()
        manifest_mod.check_builders(manifest, ops.BUILDERS, ops.ACTIVATIONS)
    except manifest_mod.ManifestError as e:
        emit({"event": "error", "message": str(e), "fatal": True})
        return
    cuda = torch.cuda.is_available()
    emit({"event": "ready", "torch": torch.__version__, "cuda": cuda, "device_name": torch.cuda.get_device_name(0) if cuda else "cpu", "threads": torch.get_num_threads(), "ops": sorted(ops.BUILDERS)})
    while True:
        line = sys.stdin.readline()
        if not line:
            return  # dse closed our stdin: it is gone or done with us
        if not line.strip():
            continue
        try:
            if not handle(json.loads(line), manifest):
                return
        except Exception as e:  # noqa: BLE001 -- report and keep serving
            emit({"event": "error", "message": "{}: {}".format(type(e).__name__, e), "traceback": traceback.format_exc()})
