"""``python -m zmqx``: the ``zmqx`` command (see ``zmqx.cli``)."""

import sys

from zmqx.cli import main

if __name__ == "__main__":
    sys.exit(main())
