"""The zmqx benchmark suite: pyzmq, zmqx and C baselines measured in the same run.

Run it with ``zmqx bench`` (or ``make bench`` in the repository).  Each case lives in
``cases/`` (see ``case.py``); ``runner.py`` measures them in interleaved rounds, each
measurement in a fresh process; ``report.py`` and ``chart.py`` show the results.

Nothing in this package imports zmqx at module level: a process that measures
pyzmq runs this package by path (``__main__.py``) and never loads zmqx.
"""
