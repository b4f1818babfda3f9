"""The ``spectrumfm`` command's entry point; the subcommands live in :mod:`spectrumfm_hf.commands`.

    spectrumfm env                       # versions, CPU features, GPU and the precision chosen
    spectrumfm demo                      # the quick-start demo on its embedded defaults
    spectrumfm generate amc-rml2016.10a --num-examples 20000 --output data/amc
"""

import sys

from .commands.spectrumfm_cli import build_parser, main

__all__ = ["build_parser", "main"]

if __name__ == "__main__":
    sys.exit(main())
