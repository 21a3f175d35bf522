"""4-frame multipart PUSH -> PULL throughput over tcp://127.0.0.1 (send_multipart /
recv_multipart, 64-byte frames), sender in a separate process.

Same harness as throughput_tcp.py with ``--parts 4``; see that file.
"""

import sys

import _common as C
import throughput_tcp

if __name__ == "__main__":
    argv = sys.argv[1:]
    if not any(a == "--parts" or a.startswith("--parts=") for a in argv):
        argv = ["--parts", "4", *argv]
    C.main_guard(lambda: throughput_tcp.main(["--bench-name", "throughput_multipart", *argv]))
