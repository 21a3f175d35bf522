"""The benchmark cases, one module each (see ``zmqx.benchmarks.case``)."""
