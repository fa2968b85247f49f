"""The prepared dataset (src/models/data/tensorFile.ts) on the training device: read once per process,
normalized, zero-padded for random crops, and cropped and flipped there by one gather per batch."""

import json
import os
import struct

import numpy as np
import torch


class TrialError(Exception):
    """A problem with one trial's request (data/spec mismatch, device unavailable): fails that trial."""


MAGIC = b"DSEDATA1"


def read_tensor_file(path):
    """The prepared dataset: {header, train_x, train_y, test_x, test_y, val_x, val_y} as uint8 numpy
    arrays (the validation arrays empty in files written before the validation split)."""
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

    ntr, nte, nva = header["train_n"], header["test_n"], header.get("val_n", 0)
    has_val = nva > 0 and "val_x" in offsets
    return {
        "header": header,
        "train_x": view("train_x", ntr * c * h * w, (ntr, c, h, w)),
        "train_y": view("train_y", ntr, (ntr,)),
        "test_x": view("test_x", nte * c * h * w, (nte, c, h, w)),
        "test_y": view("test_y", nte, (nte,)),
        "val_x": view("val_x", nva * c * h * w, (nva, c, h, w)) if has_val else np.zeros((0, c, h, w), dtype=np.uint8),
        "val_y": view("val_y", nva, (nva,)) if has_val else np.zeros((0,), dtype=np.uint8),
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
        self.val_x = normalize(raw["val_x"])
        self.val_y = torch.from_numpy(np.array(raw["val_y"])).to(device).long()
        self.max_label = int(max(y.max().item() if len(y) else 0 for y in (self.train_y, self.test_y, self.val_y)))
        self.train_n, self.test_n, self.val_n = len(self.train_y), len(self.test_y), len(self.val_y)


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


