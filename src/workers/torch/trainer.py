#!/usr/bin/env python3
"""dse torch trainer: one persistent process per worker slot, driven by src/workers/torch/slot.ts.

Python and torch are imported once per slot; the prepared dataset is loaded once per process (cached by
path) and kept on the training device; each `train` command then builds a network from its JSON spec
(src/models/torch/builders.py) and trains it with the request's recipe.

Protocol: one JSON object per line. stdout carries only protocol lines; everything else (print,
warnings, C-level output, faulthandler dumps) goes to stderr, which the slot keeps a tail of.

  in  {"cmd": "train", "request": TrainRequest}       TrainRequest as in src/workers/engine.ts
      {"cmd": "build", "spec": ModelSpec}               build only, report the parameter count
      {"cmd": "ping"}
      {"cmd": "exit"}
  out {"event": "ready", "torch": "2.4.0", "cuda": true, "device_name": "NVIDIA H100 ...", "threads": 1}
      {"event": "epoch", "trial_id": "...", "metrics": EpochMetrics}          after each epoch
      {"event": "result", "result": {...}}    end of a train: TrainResult without `worker`
      {"event": "built", "params": 12345}     answer to build
      {"event": "pong"}                       answer to ping
      {"event": "error", "message": "...", "traceback": "..."}
                                              a command that could not be run (bad JSON, unknown cmd,
                                              a spec the registry cannot build)

A train always ends with a `result`: status "done", or "failed" with `error` (an exception's type,
message and traceback; or a non-finite loss). A process that dies mid-trial (segfault, OOM kill,
os._exit) sends nothing; the slot reports that trial failed with the tail of stderr and respawns.

Recipe (pycls semantics):
  SGD, momentum, nesterov (only when momentum > 0), dampening 0; lr = base_lr * batch_size / 128 on a
  half-period cosine with linear warmup (learningRate() in engine.ts), set once per epoch like pycls;
  weight decay on all parameters, or on all but BN weights/biases when bn_weight_decay is false;
  cross-entropy with label smoothing; each epoch a seeded shuffle and floor(n / batch_size) full batches
  (pycls drops the last partial batch; a training set smaller than one batch is one batch); random crop
  with zero padding (applied after normalization, as pycls pads) and horizontal flip.
  Errors are top-1 errors in percent (pycls). train_loss and train_err are means over the epoch's
  (augmented) training batches; test_err is measured in eval mode after each epoch.
  images_per_sec counts training images over the training time of the epoch (evaluation excluded);
  seconds is the whole epoch, evaluation included.
  peak_mem_bytes: on CUDA torch.cuda.max_memory_allocated() over the trial; on CPU the peak resident set
  size of this process during the trial (VmHWM, reset at the start of each trial where Linux allows,
  so it includes the interpreter, torch and the cached dataset).

On CUDA the dataset lives on the GPU, augmentation runs there, the forward pass runs under bf16
autocast, tensors are channels_last, and there are no DataLoader processes; host syncs happen once per
epoch (loss and correct counts are accumulated on the device). On CPU everything is fp32, and a seed
gives the same metrics every time (for a given thread count); on CUDA runs are close but not
bit-identical (cudnn autotuning, atomics).

Environment:
  DSE_TORCH_THREADS    torch.set_num_threads for this process (the slot sets it)
  DSE_TORCH_COMPILE    opt-in torch.compile: "default", "reduce-overhead" (CUDA graphs) or
                       "max-autotune"; ignored with a warning where torch has no compile (torch < 2)
  DSE_TORCH_AMP        "off" disables bf16 autocast on CUDA
  DSE_TEST_FAULT       fault injection for tests: KIND or KIND@TRIAL_ID, KIND one of
                         nan    the loss becomes NaN (the trial fails with a non-finite loss)
                         raise  a RuntimeError is raised (the trial fails with its traceback)
                         crash  the process kills itself with SIGSEGV (faulthandler dumps the stack)
                         exit   the process exits with os._exit(3)
                         hang   the training step sleeps forever (for abort tests)
                       It fires at the first step of the second epoch (of the first when there is only
                       one), for every trial or only for TRIAL_ID. A request may carry the same KIND in
                       a `test_fault` field instead, for one trial.
"""

import contextlib
import faulthandler
import json
import math
import os
import random
import signal
import struct
import sys
import time
import traceback

PROTOCOL_OUT = None  # the real stdout, set up by isolate_stdout() before torch is imported

FAULT_KINDS = ("nan", "raise", "crash", "exit", "hang")


def emit(obj):
    PROTOCOL_OUT.write(json.dumps(obj, allow_nan=False) + "\n")
    PROTOCOL_OUT.flush()


def log(msg):
    sys.stderr.write("dse-trainer: {}\n".format(msg))
    sys.stderr.flush()


def isolate_stdout():
    """Keep fd 1 for the protocol only: protocol writes go to a duplicate of it, and fd 1 itself (and
    sys.stdout) now point at stderr, so stray prints from Python or C++ cannot corrupt the stream."""
    global PROTOCOL_OUT
    PROTOCOL_OUT = os.fdopen(os.dup(1), "w", encoding="utf-8")
    os.dup2(2, 1)
    sys.stdout = sys.stderr


def die_with_parent():
    """Linux: get SIGKILL when the dse process dies, so no trainer outlives a killed sweep."""
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


isolate_stdout()
faulthandler.enable(file=sys.stderr)
die_with_parent()

import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.nn as nn  # noqa: E402

sys.dont_write_bytecode = True  # the package folder may be read-only; never leave __pycache__ in it
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "models", "torch"))
import builders  # noqa: E402


class TrialError(Exception):
    """A problem with one trial's request (data/spec mismatch, device unavailable): fails that trial."""


# ---------------------------------------------------------------- dataset file (src/models/data/tensorFile.ts)

MAGIC = b"DSEDATA1"


def read_tensor_file(path):
    """The prepared dataset: {header, train_x, train_y, test_x, test_y} as uint8 numpy arrays."""
    try:
        with open(path, "rb") as f:
            prefix = f.read(12)
            if len(prefix) < 12 or prefix[:8] != MAGIC:
                raise TrialError("{} is not a dse dataset file (bad magic)".format(path))
            (header_len,) = struct.unpack("<I", prefix[8:12])
            header = json.loads(f.read(header_len).decode("utf-8"))
            offsets = header["offsets"]
    except OSError as e:
        raise TrialError("prepared dataset {} cannot be read: {}".format(path, e.strerror or e)) from None
    except (ValueError, KeyError, TypeError) as e:
        raise TrialError("{} has a corrupt header: {}".format(path, e)) from None
    data = np.memmap(path, dtype=np.uint8, mode="r")
    if data.shape[0] < offsets["end"]:
        raise TrialError("{} is truncated ({} of {} bytes)".format(path, data.shape[0], offsets["end"]))
    c, h, w = header["channels"], header["height"], header["width"]

    def view(key, n, shape):
        return data[offsets[key] : offsets[key] + n].reshape(shape)

    ntr, nte = header["train_n"], header["test_n"]
    return {
        "header": header,
        "train_x": view("train_x", ntr * c * h * w, (ntr, c, h, w)),
        "train_y": view("train_y", ntr, (ntr,)),
        "test_x": view("test_x", nte * c * h * w, (nte, c, h, w)),
        "test_y": view("test_y", nte, (nte,)),
    }


class DeviceData:
    """A dataset normalized and resident on the training device. The training images are stored
    zero-padded (in normalized space) by the augmentation padding, so a random crop is one gather."""

    def __init__(self, raw, mean, std, pad, device):
        header = raw["header"]
        self.num_classes = header["num_classes"]
        self.channels, self.height, self.width = header["channels"], header["height"], header["width"]
        self.pad = pad
        mean_t = torch.tensor(mean, dtype=torch.float32).view(1, -1, 1, 1)
        std_t = torch.tensor(std, dtype=torch.float32).view(1, -1, 1, 1)

        def normalize(x):
            x = torch.from_numpy(np.array(x)).to(device).float().div_(255.0)
            return x.sub_(mean_t.to(device)).div_(std_t.to(device))

        train_x = normalize(raw["train_x"])
        if pad:
            train_x = torch.nn.functional.pad(train_x, (pad, pad, pad, pad))
        self.train_x = train_x
        self.train_y = torch.from_numpy(np.array(raw["train_y"])).to(device).long()
        self.test_x = normalize(raw["test_x"])
        self.test_y = torch.from_numpy(np.array(raw["test_y"])).to(device).long()
        self.max_label = int(max(self.train_y.max().item() if len(self.train_y) else 0, self.test_y.max().item() if len(self.test_y) else 0))
        self.train_n, self.test_n = len(self.train_y), len(self.test_y)


class DatasetCache:
    """Loaded datasets by (path, file identity, normalization, padding, device). A sweep trains hundreds
    of trials on one dataset, so it is read once; only the few most recent are kept."""

    def __init__(self, capacity=2):
        self.capacity = capacity
        self.entries = {}

    def get(self, ref, pad, device):
        path = ref["path"]
        try:
            st = os.stat(path)
        except OSError as e:
            raise TrialError("prepared dataset {} cannot be read: {}".format(path, e.strerror or e)) from None
        key = (os.path.abspath(path), st.st_mtime_ns, st.st_size, tuple(ref.get("mean") or ()), tuple(ref.get("std") or ()), pad, str(device))
        if key in self.entries:
            self.entries[key] = self.entries.pop(key)  # most recent last
            return self.entries[key]
        raw = read_tensor_file(path)
        header = raw["header"]
        mean = ref.get("mean") or header["mean"]
        std = ref.get("std") or header["std"]
        if len(mean) != header["channels"] or len(std) != header["channels"]:
            raise TrialError("dataset {}: mean/std have {}/{} entries for {} channels".format(path, len(mean), len(std), header["channels"]))
        if any(s <= 0 for s in std):
            raise TrialError("dataset {}: std must be positive, got {}".format(path, std))
        while len(self.entries) >= self.capacity:
            self.entries.pop(next(iter(self.entries)))
        data = DeviceData(raw, mean, std, pad, device)
        self.entries[key] = data
        return data


DATASETS = DatasetCache()


# ---------------------------------------------------------------- training


def learning_rate(recipe, epoch):
    """learningRate() of src/workers/engine.ts: half-period cosine with linear warmup (pycls lr_fun_cos)."""
    lr = recipe["base_lr"] * (recipe["batch_size"] / 128.0)
    value = 0.5 * lr * (1.0 + math.cos(math.pi * epoch / recipe["epochs"]))
    if epoch < recipe["warmup_epochs"]:
        alpha = epoch / recipe["warmup_epochs"]
        value *= recipe["warmup_factor"] * (1.0 - alpha) + alpha
    return value


def resolve_device(requested):
    if requested in ("auto", "", None):
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if requested.startswith("cuda"):
        if not torch.cuda.is_available():
            raise TrialError("device {} requested but torch {} sees no CUDA device (CUDA_VISIBLE_DEVICES={!r})".format(requested, torch.__version__, os.environ.get("CUDA_VISIBLE_DEVICES")))
        return torch.device(requested)
    if requested == "cpu":
        return torch.device("cpu")
    raise TrialError('unknown device "{}" (use cpu, cuda or auto)'.format(requested))


def device_label(device):
    if device.type == "cuda":
        return "cuda:{}".format(torch.cuda.get_device_name(device))
    return "cpu"


def seed_everything(seed):
    random.seed(seed)
    np.random.seed(seed % (2**32))
    torch.manual_seed(seed)


def make_optimizer(model, recipe):
    bn_ids = builders.bn_parameters(model)
    decay = [p for p in model.parameters() if recipe["bn_weight_decay"] or id(p) not in bn_ids]
    no_decay = [p for p in model.parameters() if not recipe["bn_weight_decay"] and id(p) in bn_ids]
    groups = [{"params": decay, "weight_decay": recipe["weight_decay"]}]
    if no_decay:
        groups.append({"params": no_decay, "weight_decay": 0.0})
    momentum = recipe["momentum"]
    return torch.optim.SGD(groups, lr=learning_rate(recipe, 0), momentum=momentum, dampening=0.0, nesterov=bool(recipe["nesterov"] and momentum > 0))


class Augmenter:
    """Random crop (from the zero-padded images) and horizontal flip of a batch as one gather on the
    device, driven by a seeded device generator."""

    def __init__(self, data, flip, generator, device):
        self.data, self.flip, self.gen, self.device = data, flip, generator, device
        self.rows = torch.arange(data.height, device=device)
        self.cols = torch.arange(data.width, device=device)
        self.chans = torch.arange(data.channels, device=device)

    def batch(self, idx):
        data, n = self.data, idx.numel()
        if not data.pad and not self.flip:
            return data.train_x[idx]
        oy = torch.randint(0, 2 * data.pad + 1, (n, 1), generator=self.gen, device=self.device)
        ox = torch.randint(0, 2 * data.pad + 1, (n, 1), generator=self.gen, device=self.device)
        rows = oy + self.rows
        cols = ox + self.cols
        if self.flip:
            flipped = torch.rand((n, 1), generator=self.gen, device=self.device) < 0.5
            cols = torch.where(flipped, ox + (data.width - 1) - self.cols, cols)
        return data.train_x[idx.view(n, 1, 1, 1), self.chans.view(1, -1, 1, 1), rows.view(n, 1, -1, 1), cols.view(n, 1, 1, -1)]


class PeakMemory:
    """Peak memory of one trial: CUDA allocator peak, or this process's peak RSS on CPU."""

    def __init__(self, device):
        self.device = device
        if device.type == "cuda":
            torch.cuda.reset_peak_memory_stats(device)
        else:
            try:
                with open("/proc/self/clear_refs", "w") as f:
                    f.write("5")  # resets VmHWM to the current RSS
            except OSError:
                pass

    def read(self):
        if self.device.type == "cuda":
            return int(torch.cuda.max_memory_allocated(self.device))
        try:
            with open("/proc/self/status") as f:
                for line in f:
                    if line.startswith("VmHWM:"):
                        return int(line.split()[1]) * 1024
        except OSError:
            pass
        try:
            import resource

            return int(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss) * 1024
        except (ImportError, OSError):
            return None


def fault_for(request):
    """The injected fault for this trial, from request.test_fault or DSE_TEST_FAULT (KIND[@TRIAL_ID])."""
    kind = request.get("test_fault")
    if not kind:
        spec = os.environ.get("DSE_TEST_FAULT", "")
        if not spec:
            return None
        kind, _, only = spec.partition("@")
        if only and only != request.get("trial_id"):
            return None
    if kind not in FAULT_KINDS:
        raise TrialError("unknown test fault {!r} (known: {})".format(kind, ", ".join(FAULT_KINDS)))
    return kind


def fire_fault(kind, loss):
    """Fires an injected fault at a training step; returns the step's loss (NaN for "nan")."""
    log("injecting test fault: {}".format(kind))
    if kind == "nan":
        return loss * float("nan")
    if kind == "raise":
        raise RuntimeError("injected test fault (DSE_TEST_FAULT=raise)")
    if kind == "crash":
        os.kill(os.getpid(), signal.SIGSEGV)
    if kind == "exit":
        os._exit(3)
    while True:  # hang
        time.sleep(0.05)


def compile_mode():
    mode = os.environ.get("DSE_TORCH_COMPILE", "").strip()
    if mode in ("", "0", "off", "none"):
        return None
    if mode in ("1", "on", "true"):
        mode = "default"
    if not hasattr(torch, "compile"):
        log("DSE_TORCH_COMPILE={} ignored: torch {} has no torch.compile".format(mode, torch.__version__))
        return None
    return mode


def check_compatible(spec, data, path):
    inp = spec["input"]
    if inp["channels"] != data.channels:
        raise TrialError("spec input has {} channels but dataset {} has {}".format(inp["channels"], path, data.channels))
    if inp["resolution"] != data.height or inp["resolution"] != data.width:
        raise TrialError("spec input resolution is {} but dataset {} is {}x{}".format(inp["resolution"], path, data.height, data.width))
    if data.max_label >= spec["head"]["num_classes"]:
        raise TrialError("dataset {} has label {} but the head has {} classes".format(path, data.max_label, spec["head"]["num_classes"]))
    if data.train_n == 0 or data.test_n == 0:
        raise TrialError("dataset {} has {} train and {} test images; both must be > 0".format(path, data.train_n, data.test_n))


def evaluate(model, data, batch_size, autocast, channels_last):
    model.eval()
    wrong = torch.zeros((), dtype=torch.long, device=data.test_x.device)
    with torch.no_grad(), autocast():
        for start in range(0, data.test_n, batch_size):
            x = data.test_x[start : start + batch_size]
            if channels_last:
                x = x.contiguous(memory_format=torch.channels_last)
            out = model(x)
            wrong += (out.argmax(1) != data.test_y[start : start + batch_size]).sum()
    return 100.0 * wrong.item() / data.test_n


class Trial:
    """One training run: the network, optimizer, data and augmentation for a request, epoch by epoch."""

    def __init__(self, request, fault):
        spec, recipe, ref = request["spec"], request["recipe"], request["dataset"]
        self.recipe, self.fault = recipe, fault
        self.device = resolve_device(request.get("device", "auto"))
        self.cuda = self.device.type == "cuda"
        self.peak = PeakMemory(self.device)
        self.use_amp = self.cuda and os.environ.get("DSE_TORCH_AMP", "on") != "off" and torch.cuda.is_bf16_supported()
        if self.cuda:
            torch.backends.cudnn.benchmark = True  # pycls CUDNN.BENCHMARK

        seed_everything(int(recipe["seed"]))
        model = builders.build_model(spec)
        self.params_built = builders.count_params(model)
        model = model.to(self.device)
        if self.cuda:
            model = model.to(memory_format=torch.channels_last)
        self.model = model
        self.data = DATASETS.get(ref, int(recipe["augment_pad"]), self.device)
        check_compatible(spec, self.data, ref["path"])
        self.optimizer = make_optimizer(model, recipe)
        self.loss_fn = nn.CrossEntropyLoss(label_smoothing=float(recipe["label_smoothing"]))
        mode = compile_mode()
        self.step_model = torch.compile(model, mode=mode) if mode else model

        self.gen = torch.Generator(device=self.device)
        self.gen.manual_seed(int(recipe["seed"]))
        self.augment = Augmenter(self.data, bool(recipe["augment_flip"]), self.gen, self.device)
        self.batch_size = min(int(recipe["batch_size"]), self.data.train_n)
        self.steps = self.data.train_n // self.batch_size
        self.num_epochs = int(recipe["epochs"])
        self.fault_epoch = min(1, self.num_epochs - 1)

    def autocast(self):
        return torch.autocast(device_type="cuda", dtype=torch.bfloat16) if self.use_amp else contextlib.nullcontext()

    def run_epoch(self, epoch):
        """Trains one epoch (0-based) and evaluates; returns its EpochMetrics."""
        t0 = time.perf_counter()
        lr = learning_rate(self.recipe, epoch)
        for group in self.optimizer.param_groups:
            group["lr"] = lr
        data, bs = self.data, self.batch_size
        self.model.train()
        perm = torch.randperm(data.train_n, generator=self.gen, device=self.device)
        loss_sum = torch.zeros((), device=self.device)
        correct = torch.zeros((), dtype=torch.long, device=self.device)
        for step in range(self.steps):
            idx = perm[step * bs : (step + 1) * bs]
            x = self.augment.batch(idx)
            if self.cuda:
                x = x.contiguous(memory_format=torch.channels_last)
            y = data.train_y[idx]
            with self.autocast():
                out = self.step_model(x)
                loss = self.loss_fn(out, y)
            if self.fault and epoch == self.fault_epoch and step == 0:
                loss = fire_fault(self.fault, loss)
            self.optimizer.zero_grad(set_to_none=True)
            loss.backward()
            self.optimizer.step()
            loss_sum += loss.detach().float() * bs
            correct += (out.detach().argmax(1) == y).sum()
        seen = self.steps * bs
        train_loss = loss_sum.item() / seen  # the epoch's one host sync for training metrics
        train_err = 100.0 * (1.0 - correct.item() / seen)
        train_seconds = time.perf_counter() - t0
        if not math.isfinite(train_loss):
            raise TrialError("non-finite train loss ({}) in epoch {} (lr {:.6g}); the run diverged".format(train_loss, epoch + 1, lr))
        test_err = evaluate(self.step_model, data, max(bs, 256), self.autocast, self.cuda)
        return {"epoch": epoch + 1, "lr": lr, "train_loss": train_loss, "train_err": train_err, "test_err": test_err, "seconds": time.perf_counter() - t0, "images_per_sec": seen / train_seconds if train_seconds > 0 else 0.0}

    def check_finite(self):
        if not all(torch.isfinite(p).all() for p in self.model.parameters()):
            raise TrialError("non-finite parameters after training; the run diverged")


def train(request):
    """Runs one trial, emitting an epoch event per epoch; returns the result dict (TrainResult less
    `worker`). Any failure of the trial becomes status "failed" with the error."""
    started = time.perf_counter()
    trial_id = request.get("trial_id")
    epochs = []
    result = {"trial_id": trial_id, "status": "failed", "epochs": epochs, "final_test_err": None, "best_test_err": None, "params_built": None, "peak_mem_bytes": None, "seconds": 0.0, "error": None, "device": request.get("device")}
    trial = None
    try:
        fault = fault_for(request)
        trial = Trial(request, fault)
        result["device"] = device_label(trial.device)
        result["params_built"] = trial.params_built
        for epoch in range(trial.num_epochs):
            metrics = trial.run_epoch(epoch)
            epochs.append(metrics)
            emit({"event": "epoch", "trial_id": trial_id, "metrics": metrics})
        trial.check_finite()
        result["status"] = "done"
    except TrialError as e:
        result["error"] = str(e)
    except builders.BuildError as e:
        result["error"] = "spec: {}".format(e)
    except Exception as e:  # noqa: BLE001 -- any failure of a trial is reported as that trial's failure
        tb = traceback.format_exc()
        result["error"] = "{}: {}\n{}".format(type(e).__name__, e, tb[-4000:])
        log(tb)
    if epochs:
        result["final_test_err"] = epochs[-1]["test_err"]
        result["best_test_err"] = min(m["test_err"] for m in epochs)
    if trial is not None:
        result["peak_mem_bytes"] = trial.peak.read()
    del trial
    if result["status"] != "done" and torch.cuda.is_initialized():
        torch.cuda.empty_cache()  # give a failed (e.g. out-of-memory) trial's blocks back
    result["seconds"] = time.perf_counter() - started
    return result


# ---------------------------------------------------------------- command loop


def handle(msg):
    cmd = msg.get("cmd")
    if cmd == "train":
        emit({"event": "result", "result": train(msg["request"])})
    elif cmd == "build":
        model = builders.build_model(msg["spec"])
        emit({"event": "built", "params": builders.count_params(model)})
    elif cmd == "ping":
        emit({"event": "pong"})
    elif cmd == "exit":
        return False
    else:
        raise ValueError("unknown command {!r} (known: train, build, ping, exit)".format(cmd))
    return True


def main():
    # Ctrl-C in a terminal reaches the whole process group; dse decides what an interrupt means
    # (it stops the trial and kills this process), so the trainer must not die on it first.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    threads = int(os.environ.get("DSE_TORCH_THREADS", "0") or 0)
    if threads > 0:
        torch.set_num_threads(threads)
    cuda = torch.cuda.is_available()
    emit({"event": "ready", "torch": torch.__version__, "cuda": cuda, "device_name": torch.cuda.get_device_name(0) if cuda else "cpu", "threads": torch.get_num_threads()})
    while True:
        line = sys.stdin.readline()
        if not line:
            return  # dse closed our stdin: it is gone or done with us
        if not line.strip():
            continue
        try:
            if not handle(json.loads(line)):
                return
        except Exception as e:  # noqa: BLE001 -- report and keep serving
            emit({"event": "error", "message": "{}: {}".format(type(e).__name__, e), "traceback": traceback.format_exc()})


if __name__ == "__main__":
    main()
