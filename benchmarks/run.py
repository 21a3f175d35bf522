#!/usr/bin/env python
"""Run the zmqx benchmark suite (``make bench``); same as ``zmqx bench``.

The suite lives in ``zmqx/benchmarks/``; this wrapper runs it by path so that it
works from a checkout, even before zmqx is built.  ``--help`` lists the options.
"""

import os
import runpy
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ENTRY = os.path.join(os.path.dirname(HERE), "zmqx", "benchmarks", "__main__.py")

if __name__ == "__main__":
    sys.exit(runpy.run_path(ENTRY)["main"](sys.argv[1:]))
