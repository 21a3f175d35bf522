"""Execute a small notebook with nbclient, as `jupyter execute` does: cells that print,
display a result, keep state between cells, and a cell that raises, allowed."""

from __future__ import annotations

import time

import nbformat
from nbclient import NotebookClient
from report import main, step

CELLS = [
    "import zmq\nprint(zmq.__file__)",
    "total = sum(range(10))\ntotal",
    "print(total * 2)",
    "raise ValueError('wanted')",
]


def summary(output: dict) -> str:
    """An output in a line: what a cell printed, showed, or raised."""
    if output["output_type"] == "stream":
        return f"{output['name']}: {output['text']}"
    if output["output_type"] == "error":
        return f"error: {output['ename']}: {output['evalue']}"
    return f"{output['output_type']}: {output['data'].get('text/plain')}"


def drive() -> None:
    notebook = nbformat.v4.new_notebook(
        cells=[nbformat.v4.new_code_cell(source) for source in CELLS]
    )
    client = NotebookClient(
        notebook, timeout=15, startup_timeout=15, kernel_name="python3", allow_errors=True,
        ip="127.0.0.1",
    )
    with step("execute") as found:
        start = time.monotonic()
        client.execute()
        found["seconds"] = time.monotonic() - start
        found["outputs"] = [[summary(output) for output in cell.outputs]
                            for cell in notebook.cells]
    nbformat.validate(notebook)


if __name__ == "__main__":
    main(drive)
