"""What a benchmark case is, and the registry that finds them.

A case is one module in ``zmqx/benchmarks/cases/`` defining ``CASE`` (a :class:`Case`)
and ``main(argv)``, which makes one measurement and prints it as one JSON line
(``harness.emit``).  Adding a case means adding one such file: the registry lists
the modules of that package, ordered by ``Case.order``.
"""

from __future__ import annotations

import importlib
import pkgutil
from dataclasses import dataclass, field
from types import ModuleType


@dataclass(frozen=True)
class Case:
    """A benchmark case: what it measures, how to run it, and its target."""

    name: str
    unit: str
    higher_is_better: bool
    what: str
    full_args: list[str] = field(default_factory=list)
    quick_args: list[str] = field(default_factory=list)
    # arguments every run gets (e.g. --parts 4 for a case sharing another's code)
    fixed_args: list[str] = field(default_factory=list)
    with_c: bool = False  # also measure the C program (--impl c)
    baseline: str = "zmq"  # denominator of the ratio: "zmq" (pyzmq) or "c"
    target_kind: str = "ratio"  # "ratio" (zmqx / baseline) or "abs" (the zmqx figure)
    target_op: str = ">="
    target: float = 1.0
    timeout: float = 120.0
    extra_rounds: int = 0  # noisy cases get more rounds
    order: int = 100  # position in the suite (ties: by name)

    def target_text(self) -> str:
        """The target in words, e.g. ``>= 3.00 x pyzmq`` or ``<= 150 ns``."""
        if self.target_kind == "abs":
            return f"{self.target_op} {self.target:g} {self.unit.split('/')[0]}"
        base = "pyzmq" if self.baseline == "zmq" else "C"
        return f"{self.target_op} {self.target:.2f} x {base}"

    def met(self, figure: float) -> bool:
        """Whether ``figure`` (a ratio, or the zmqx figure for abs targets) meets the target."""
        return figure >= self.target if self.target_op == ">=" else figure <= self.target


def case_module(name: str) -> ModuleType:
    """The module of the case called ``name`` (KeyError if there is none)."""
    package = __name__.rsplit(".", 1)[0] + ".cases"
    if name not in {info.name for info in pkgutil.iter_modules(_cases_path())}:
        raise KeyError(name)
    return importlib.import_module(f"{package}.{name}")


def all_cases() -> list[Case]:
    """Every case of the suite, in suite order."""
    cases = [case_module(info.name).CASE for info in pkgutil.iter_modules(_cases_path())]
    return sorted(cases, key=lambda case: (case.order, case.name))


def _cases_path() -> list[str]:
    package = importlib.import_module(__name__.rsplit(".", 1)[0] + ".cases")
    return list(package.__path__)
