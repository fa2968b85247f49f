"""The process's streams: stdout carries only protocol lines (emit); everything else (print, warnings,
C-level output, faulthandler dumps) goes to stderr (log), which the slot keeps a tail of."""

import json
import os
import signal
import sys

PROTOCOL_OUT = None  # the real stdout, set up by isolate_stdout() before torch is imported


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
