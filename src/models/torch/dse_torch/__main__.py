"""`python3 -m dse_torch`: the trainer process a torch slot drives (protocol.py documents it)."""

from .protocol import main

main()
