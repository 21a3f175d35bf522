"""Reliability suite: zmqx must never crash, hang or lose a message.

Each test prints its figures (see _support.record); with ZMQX_FIGURES=path they
are also appended to that file. `pytest --soak` makes every test run longer.
"""
