"""The manifest of primitive ops that TypeScript emits (src/space/manifest.ts -> dist/manifest.json).

The Python side holds no copy of the op list, their attributes or any default: it reads them from the
manifest, checks at start-up that ops.BUILDERS implements every op listed, and checks every op it is
asked to build against the manifest (known op, exactly the listed attributes, the arity).
"""

import json
import os


class ManifestError(ValueError):
    """The manifest is missing or does not match this package, or an op does not match the manifest."""


def default_path():
    here = os.path.dirname(os.path.abspath(__file__))
    return os.path.normpath(os.path.join(here, "..", "..", "..", "..", "dist", "manifest.json"))


def load(path=None):
    path = path or os.environ.get("DSE_MANIFEST") or default_path()
    try:
        with open(path, encoding="utf-8") as f:
            manifest = json.load(f)
    except OSError as e:
        raise ManifestError("op manifest {} cannot be read ({}); run `npm run build`, which writes it".format(path, e.strerror or e)) from None
    except ValueError as e:
        raise ManifestError("op manifest {} is not valid JSON: {}".format(path, e)) from None
    if manifest.get("version") != 1 or not isinstance(manifest.get("ops"), dict):
        raise ManifestError("op manifest {} has an unknown format (version {!r})".format(path, manifest.get("version")))
    return manifest


def check_builders(manifest, builders, activations):
    """Every op of the manifest must have a builder here, and every activation an implementation."""
    missing = sorted(set(manifest["ops"]) - set(builders))
    if missing:
        raise ManifestError("the torch engine has no builder for op(s) {} that TypeScript lowers to; update src/models/torch/dse_torch/ops.py".format(", ".join(missing)))
    acts = sorted(set(manifest.get("activations", [])) - set(activations))
    if acts:
        raise ManifestError("the torch engine has no activation(s) {}; update ACTIVATIONS in src/models/torch/dse_torch/ops.py".format(", ".join(acts)))


def check_op(manifest, op):
    """One op of a lowered network against the manifest: its name, attributes and number of inputs."""
    entry = manifest["ops"].get(op.get("op"))
    if entry is None:
        raise ManifestError("{}: unknown op {!r} (the manifest lists {})".format(op.get("id"), op.get("op"), ", ".join(sorted(manifest["ops"]))))
    want, got = set(entry["attrs"]), set(op.get("attrs", {}))
    if want != got:
        raise ManifestError("{}: {} takes attributes {} but got {}".format(op["id"], op["op"], sorted(want), sorted(got)))
    lo, hi = entry["arity"]
    n = len(op.get("inputs", []))
    if n < lo or (hi is not None and n > hi):
        raise ManifestError("{}: {} takes {}..{} inputs, got {}".format(op["id"], op["op"], lo, hi if hi is not None else "n", n))
