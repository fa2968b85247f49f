"""One trial: build the lowered network, check it against the analytic count, train it with the
request's recipe (pycls semantics, documented in protocol.py) and evaluate it after every epoch."""

import contextlib
import math
import os
import random
import signal
import time
import traceback

import numpy as np
import torch
import torch.nn as nn

from . import counter, network
from .data import DATASETS, Augmenter, TrialError
from .precise_bn import precise_bn_batches, recompute_bn_stats
from .stdio import log

# oom and oomkill fire only at the full batch (accum_steps 1), so the retry with accumulation passes;
# oom-always fires at any accumulation. oomkill first raises the counter in $DSE_OOM_EVENTS_FILE, as
# the kernel OOM killer raises memory.events' oom_kill before its SIGKILL.
FAULT_KINDS = ("nan", "raise", "crash", "exit", "hang", "oom", "oomkill", "oom-always")
FULL_BATCH_FAULTS = ("oom", "oomkill")
OOM_ERROR_PREFIX = "out of memory:"  # OOM_ERROR_PREFIX of src/workers/engine.ts


class BuildMismatch(TrialError):
    """The built network costs other than the spec counts: the engine builds what was not costed."""


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
    bn_ids = network.bn_parameters(model)
    decay = [p for p in model.parameters() if recipe["bn_weight_decay"] or id(p) not in bn_ids]
    no_decay = [p for p in model.parameters() if not recipe["bn_weight_decay"] and id(p) in bn_ids]
    groups = [{"params": decay, "weight_decay": recipe["weight_decay"]}]
    if no_decay:
        groups.append({"params": no_decay, "weight_decay": 0.0})
    momentum = recipe["momentum"]
    return torch.optim.SGD(groups, lr=learning_rate(recipe, 0), momentum=momentum, dampening=0.0, nesterov=bool(recipe["nesterov"] and momentum > 0))


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
    """The injected fault for this trial, from request.test_fault or DSE_TEST_FAULT (KIND[@TRIAL_ID][/SEED],
    several separated by commas: the first that applies to the trial; with /SEED only to a training
    with that recipe seed, so a retry under another seed passes)."""
    kind = request.get("test_fault")
    if not kind:
        for spec in os.environ.get("DSE_TEST_FAULT", "").split(","):
            spec, _, seed = spec.strip().partition("/")
            spec_kind, _, only = spec.partition("@")
            if seed and int(seed) != int(request["recipe"]["seed"]):
                continue
            if spec_kind and (not only or only == request.get("trial_id")):
                kind = spec_kind
                break
        if not kind:
            return None
    if kind not in FAULT_KINDS:
        raise TrialError("unknown test fault {!r} (known: {})".format(kind, ", ".join(FAULT_KINDS)))
    return kind


def fire_fault(kind, loss):
    """Fires an injected fault at a training step; returns the step's loss (NaN for "nan")."""
    log("injecting test fault: {}".format(kind))
    if kind in ("oom", "oom-always"):
        raise getattr(torch.cuda, "OutOfMemoryError", RuntimeError)("CUDA out of memory. Tried to allocate 2.00 GiB (injected test fault DSE_TEST_FAULT={})".format(kind))
    if kind == "oomkill":
        path = os.environ.get("DSE_OOM_EVENTS_FILE")
        if path:
            with open(path) as f:
                kills = int(next(line.split()[1] for line in f if line.startswith("oom_kill ")))
            with open(path, "w") as f:
                f.write("oom 1\noom_kill {}\n".format(kills + 1))
        os.kill(os.getpid(), signal.SIGKILL)
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


def check_compatible(net, data, path):
    inp = net["input"]
    if inp["channels"] != data.channels:
        raise TrialError("spec input has {} channels but dataset {} has {}".format(inp["channels"], path, data.channels))
    if inp["height"] != data.height or inp["width"] != data.width:
        raise TrialError("spec input resolution is {}x{} but dataset {} is {}x{}".format(inp["height"], inp["width"], path, data.height, data.width))
    classes = next(op["shape"][0] for op in net["ops"] if op["id"] == net["output"])
    if data.max_label >= classes:
        raise TrialError("dataset {} has label {} but the head has {} classes".format(path, data.max_label, classes))
    if data.train_n == 0 or data.test_n == 0:
        raise TrialError("dataset {} has {} train and {} test images; both must be > 0".format(path, data.train_n, data.test_n))


def build_checked(net, manifest, zero_init_final_gamma=False):
    """Builds the network on the CPU and holds it to the analytic cost TypeScript computed: the same
    parameter count, and (forward-hook counter, one image) the same flops and activations. A network
    that differs fails here, with both numbers, instead of training something other than was costed."""
    model = network.build_network(net, manifest, zero_init_final_gamma)
    want = net.get("cost")
    if want:
        got = counter.count(model, model.input_shape)
        for key in ("params", "flops", "acts"):
            if got[key] != want[key]:
                raise BuildMismatch("the torch engine built a network with {} {} but the spec counts {} ({}); the engine and the registry disagree".format(got[key], key, want[key], ", ".join("{} {} vs {}".format(k, got[k], want[k]) for k in ("params", "flops", "acts"))))
    return model


def is_out_of_memory(e):
    oom_class = getattr(torch.cuda, "OutOfMemoryError", None)
    if isinstance(e, MemoryError) or (oom_class is not None and isinstance(e, oom_class)):
        return True
    return isinstance(e, RuntimeError) and "out of memory" in str(e).lower()


def format_bytes(n):
    return "{:.2f} GiB".format(n / 2**30) if n >= 2**30 else "{:.1f} MiB".format(n / 2**20)


def host_peak_rss():
    """This process's peak RSS, bytes (Linux reports ru_maxrss in KiB)."""
    try:
        import resource

        return int(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss) * 1024
    except (ImportError, OSError):
        return None


def micro_batches(n, accum):
    """`accum` contiguous, near-equal slices of n rows (fewer when n < accum)."""
    bounds = [n * i // accum for i in range(accum + 1)]
    return [slice(bounds[i], bounds[i + 1]) for i in range(accum) if bounds[i + 1] > bounds[i]]


def backward_accumulated(model, loss_fn, x, y, accum, autocast=contextlib.nullcontext, transform=None):
    """Backward of the batch's mean loss as `accum` micro-batches, each one's mean loss weighted by its
    share of the batch, so the gradients summed in .grad equal the full batch's (except through
    BatchNorm, which normalizes each micro-batch by its own statistics). Returns the detached loss sum
    over the rows and the number of correct predictions."""
    n = x.shape[0]
    loss_sum = torch.zeros((), device=x.device)
    correct = torch.zeros((), dtype=torch.long, device=x.device)
    for part in micro_batches(n, accum):
        xb, yb = x[part], y[part]
        with autocast():
            out = model(xb)
            loss = loss_fn(out, yb)
        if transform is not None:
            loss = transform(loss)
        rows = xb.shape[0]
        (loss * (rows / n)).backward()
        loss_sum += loss.detach().float() * rows
        correct += (out.detach().argmax(1) == yb).sum()
    return loss_sum, correct


def evaluate(model, images, labels, batch_size, autocast, channels_last):
    """Top-1 error (percent) of the images, BN in eval mode; None for no images."""
    n = labels.shape[0]
    if n == 0:
        return None
    model.eval()
    wrong = torch.zeros((), dtype=torch.long, device=images.device)
    with torch.no_grad(), autocast():
        for start in range(0, n, batch_size):
            x = images[start : start + batch_size]
            if channels_last:
                x = x.contiguous(memory_format=torch.channels_last)
            out = model(x)
            wrong += (out.argmax(1) != labels[start : start + batch_size]).sum()
    return 100.0 * wrong.item() / n


def epoch_errors(epochs):
    """epochErrors() of src/workers/engine.ts: the last and the lowest test and validation errors."""
    out = {}
    for split in ("test", "val"):
        errs = [m[split + "_err"] for m in epochs if m.get(split + "_err") is not None]
        out["final_{}_err".format(split)] = errs[-1] if errs and len(errs) == len(epochs) else None
        out["best_{}_err".format(split)] = min(errs) if errs and len(errs) == len(epochs) else None
    return out


class Trial:
    """One training run: the network, optimizer, data and augmentation for a request, epoch by epoch."""

    def __init__(self, request, fault, manifest):
        net, recipe, ref = request["network"], request["recipe"], request["dataset"]
        self.recipe, self.fault = recipe, fault
        self.accum = int(request.get("accum_steps") or 1)
        if self.accum < 1:
            raise TrialError("accum_steps must be a positive integer, got {}".format(self.accum))
        if fault in FULL_BATCH_FAULTS and self.accum > 1:
            self.fault = None
        self.device = resolve_device(request.get("device", "auto"))
        self.cuda = self.device.type == "cuda"
        self.peak = PeakMemory(self.device)
        self.use_amp = self.cuda and os.environ.get("DSE_TORCH_AMP", "on") != "off" and torch.cuda.is_bf16_supported()
        if self.cuda:
            # pycls CUDNN.BENCHMARK: autotuned kernels and atomics in backward, so CUDA runs are not
            # bit-reproducible (README, "On CUDA"); speed is chosen over bit-identical reruns there.
            torch.backends.cudnn.benchmark = True
        else:
            # On CPU a seed and a thread count give the same bits: this refuses (warns on) any op
            # without a deterministic kernel rather than let it through silently.
            torch.use_deterministic_algorithms(True, warn_only=True)

        seed_everything(int(recipe["seed"]))
        model = build_checked(net, manifest)
        self.params_built = network.count_params(model)
        model = model.to(self.device)
        if self.cuda:
            model = model.to(memory_format=torch.channels_last)
        self.model = model
        self.data = DATASETS.get(ref, int(recipe["augment_pad"]), self.device)
        check_compatible(net, self.data, ref["path"])
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
            transform = None
            if self.fault and epoch == self.fault_epoch and step == 0:
                fault = self.fault
                transform = lambda loss: fire_fault(fault, loss)  # noqa: E731
            self.optimizer.zero_grad(set_to_none=True)
            step_loss, step_correct = backward_accumulated(self.step_model, self.loss_fn, x, y, self.accum, self.autocast, transform)
            self.optimizer.step()
            loss_sum += step_loss
            correct += step_correct
        seen = self.steps * bs
        train_loss = loss_sum.item() / seen  # the epoch's one host sync for training metrics
        train_err = 100.0 * (1.0 - correct.item() / seen)
        train_seconds = time.perf_counter() - t0
        if not math.isfinite(train_loss):
            raise TrialError("non-finite train loss ({}) in epoch {} (lr {:.6g}); the run diverged".format(train_loss, epoch + 1, lr))
        self.precise_bn()
        eval_bs = max(bs, 256)
        val_err = evaluate(self.step_model, data.val_x, data.val_y, eval_bs, self.autocast, self.cuda)
        test_err = evaluate(self.step_model, data.test_x, data.test_y, eval_bs, self.autocast, self.cuda)
        return {"epoch": epoch + 1, "lr": lr, "train_loss": train_loss, "train_err": train_err, "val_err": val_err, "test_err": test_err, "seconds": time.perf_counter() - t0, "images_per_sec": seen / train_seconds if train_seconds > 0 else 0.0}

    def precise_bn(self):
        """Recomputes the BN statistics on the first recipe.precise_bn training images, unaugmented,
        in batches of the training (micro-)batch size; nothing when it is 0."""
        images = int(self.recipe.get("precise_bn", 0))
        if images <= 0:
            return
        data, pad = self.data, self.data.pad
        size = max(1, self.batch_size // self.accum)

        def batches():
            for start, end in precise_bn_batches(data.train_n, size, images):
                x = data.train_x[start:end, :, pad : pad + data.height, pad : pad + data.width]
                yield x.contiguous(memory_format=torch.channels_last) if self.cuda else x

        with self.autocast():
            recompute_bn_stats(self.model, batches())

    def check_finite(self):
        if not all(torch.isfinite(p).all() for p in self.model.parameters()):
            raise TrialError("non-finite parameters after training; the run diverged")


def train(request, manifest, emit):
    """Runs one trial, emitting an epoch event per epoch; returns the result dict (TrainResult less
    `worker`). Any failure of the trial becomes status "failed" with the error."""
    started = time.perf_counter()
    trial_id = request.get("trial_id")
    epochs = []
    accum = request.get("accum_steps") or 1
    result = {"trial_id": trial_id, "status": "failed", "epochs": epochs, **epoch_errors([]), "params_built": None, "peak_mem_bytes": None, "seconds": 0.0, "error": None, "device": request.get("device"), "accum_steps": accum, "threads": torch.get_num_threads()}
    trial = None
    oom = None
    try:
        fault = fault_for(request)
        trial = Trial(request, fault, manifest)
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
    except network.BuildError as e:
        result["error"] = "spec: {}".format(e)
    except Exception as e:  # noqa: BLE001 -- any failure of a trial is reported as that trial's failure
        if is_out_of_memory(e):
            oom = str(e).strip().split("\n")[0][:300]
            result["failure_kind"] = "oom"
            log("out of memory: {}".format(oom))
        else:
            tb = traceback.format_exc()
            result["error"] = "{}: {}\n{}".format(type(e).__name__, e, tb[-4000:])
            log(tb)
    result.update(epoch_errors(epochs))
    if trial is not None:
        result["peak_mem_bytes"] = trial.peak.read()
    if oom is not None:
        result["peak_mem_bytes"] = result["peak_mem_bytes"] or host_peak_rss()
        peak = result["peak_mem_bytes"]
        batch = request["recipe"]["batch_size"]
        result["error"] = "{} {}; peak {}; batch {}{}".format(OOM_ERROR_PREFIX, oom, format_bytes(peak) if peak else "unknown", batch, " as {} micro-batches".format(accum) if accum > 1 else "")
    del trial
    if result["status"] != "done" and torch.cuda.is_initialized():
        torch.cuda.empty_cache()  # give a failed (e.g. out-of-memory) trial's blocks back
    result["seconds"] = time.perf_counter() - started
    return result


