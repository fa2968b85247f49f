#!/usr/bin/env python3
"""The simplest PyTorch training loop over the network dse's torch engine builds, for bench/engines.ts.

It builds the same nn.Module (dse_torch.network, from the lowered network dse gives it) and trains it on random batches that are
already on the device: no augmentation, no evaluation, no metrics, one host sync at the end. On CUDA it
uses the engine's settings (bf16 autocast, channels_last, cudnn.benchmark). The engine's throughput over
this loop's is the engine's overhead ratio.

Usage: plain_torch.py --network NETWORK.json --batch-size 64 --steps 50 --warmup-steps 5 --device cpu|cuda [--threads N]
Prints one JSON line: {"images_per_sec": ..., "device": ..., "torch": ...}.
"""

import argparse
import json
import os
import sys
import time

import torch
import torch.nn as nn

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "src", "models", "torch"))
from dse_torch import manifest, network  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--network", required=True, help="path of a lowered network JSON file (src/space/graph.ts lowerSpec)")
    ap.add_argument("--batch-size", type=int, default=64)
    ap.add_argument("--steps", type=int, default=50)
    ap.add_argument("--warmup-steps", type=int, default=5)
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--threads", type=int, default=0)
    args = ap.parse_args()
    if args.threads > 0:
        torch.set_num_threads(args.threads)
    with open(args.network) as f:
        net = json.load(f)
    device = torch.device(args.device)
    cuda = device.type == "cuda"
    torch.manual_seed(0)
    model = network.build_network(net, manifest.load()).to(device)
    if cuda:
        torch.backends.cudnn.benchmark = True
        model = model.to(memory_format=torch.channels_last)
    memory_format = torch.channels_last if cuda else torch.contiguous_format
    c, h, w = net["input"]["channels"], net["input"]["height"], net["input"]["width"]
    classes = next(op["shape"][0] for op in net["ops"] if op["id"] == net["output"])
    batches = [
        (
            torch.randn(args.batch_size, c, h, w, device=device).contiguous(memory_format=memory_format),
            torch.randint(0, classes, (args.batch_size,), device=device),
        )
        for _ in range(4)
    ]
    optimizer = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9, nesterov=True, weight_decay=5e-4)
    loss_fn = nn.CrossEntropyLoss(label_smoothing=0.1)
    use_amp = cuda and torch.cuda.is_bf16_supported()

    def step(i):
        x, y = batches[i % len(batches)]
        if use_amp:
            with torch.autocast(device_type="cuda", dtype=torch.bfloat16):
                loss = loss_fn(model(x), y)
        else:
            loss = loss_fn(model(x), y)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()

    model.train()
    for i in range(args.warmup_steps):
        step(i)
    if cuda:
        torch.cuda.synchronize()
    t0 = time.perf_counter()
    for i in range(args.steps):
        step(i)
    if cuda:
        torch.cuda.synchronize()
    seconds = time.perf_counter() - t0
    name = torch.cuda.get_device_name(device) if cuda else "cpu"
    print(json.dumps({"images_per_sec": args.steps * args.batch_size / seconds, "device": name, "torch": torch.__version__, "threads": torch.get_num_threads()}))


if __name__ == "__main__":
    main()
