"""Drive an ipykernel kernel with jupyter_client, as a notebook front end does: kernel
info, code with output and with an error, an interrupted cell, and a shutdown."""

from __future__ import annotations

import time

import psutil
from jupyter_client.manager import KernelManager
from report import main, step

# every wait of a step is bounded by this; a step that needs longer has failed
STEP_TIMEOUT = 15


def run_cell(client, code: str) -> tuple[dict, str]:
    """Execute code; give its reply's content and everything it printed."""
    printed: list[str] = []

    def output(msg: dict) -> None:
        if msg["msg_type"] == "stream":
            printed.append(msg["content"]["text"])

    reply = client.execute_interactive(code, timeout=STEP_TIMEOUT, output_hook=output)
    return reply["content"], "".join(printed)


def wait_for(client, msg_id: str, msg_type: str) -> dict:
    """The next IOPub message of msg_type sent for the request msg_id."""
    deadline = time.monotonic() + STEP_TIMEOUT
    while True:
        msg = client.get_iopub_msg(timeout=max(0.0, deadline - time.monotonic()))
        if msg["msg_type"] == msg_type and msg["parent_header"].get("msg_id") == msg_id:
            return msg


def drive() -> None:
    manager = KernelManager(kernel_name="python3", transport="tcp", ip="127.0.0.1")
    manager.start_kernel()
    process = manager.provisioner.process  # its Popen, to read the exit code after
    kernel = psutil.Process(process.pid)
    client = manager.client()
    client.start_channels()
    try:
        with step("kernel_info") as found:
            start = time.monotonic()
            client.wait_for_ready(timeout=STEP_TIMEOUT)
            found["seconds"] = time.monotonic() - start
            reply = client.kernel_info(reply=True, timeout=STEP_TIMEOUT)
            found["implementation"] = reply["content"]["implementation"]

        with step("execute") as found:
            reply, printed = run_cell(client, "import zmq\nprint(zmq.__file__)")
            found["status"] = reply["status"]
            found["printed"] = printed

        with step("execute_error") as found:
            reply, printed = run_cell(client, "1 / 0")
            found["status"] = reply["status"]
            found["ename"] = reply.get("ename")

        with step("interrupt") as found:
            msg_id = client.execute("import time\ntime.sleep(30)")
            wait_for(client, msg_id, "execute_input")  # the kernel is running the cell
            time.sleep(0.2)  # inside time.sleep
            start = time.monotonic()
            manager.interrupt_kernel()
            reply = client.get_shell_msg(timeout=STEP_TIMEOUT)
            found["seconds"] = time.monotonic() - start
            found["status"] = reply["content"]["status"]
            found["ename"] = reply["content"].get("ename")
            # the kernel goes on working after an interrupt
            reply, printed = run_cell(client, "print(6 * 7)")
            found["after"] = {"status": reply["status"], "printed": printed}
    finally:
        client.stop_channels()
        with step("shutdown") as found:
            start = time.monotonic()
            manager.shutdown_kernel(now=False)  # asks the kernel; kills it after 5 s
            process.wait(timeout=STEP_TIMEOUT)  # reaped by now, unless something is wrong
            found["seconds"] = time.monotonic() - start
            found["exit_code"] = process.returncode  # negative: killed by that signal
            found["alive"] = kernel.is_running()


if __name__ == "__main__":
    main(drive)
