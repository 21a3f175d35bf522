"""Sphinx configuration for zmqx's documentation (`make docs`)."""

from __future__ import annotations

import os
import sys

# docs/_ext holds this site's own small Sphinx extension (the constants tables)
sys.path.insert(0, os.path.join(os.path.dirname(__file__), "_ext"))

import zmqx  # noqa: E402  (the build documents the zmqx that this Python imports)

project = "zmqx"
author = "the zmqx authors"
copyright = "the zmqx authors"
release = zmqx.zmqx_version()
version = release

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.viewcode",
    "myst_parser",
    "zmqx_docs",
]
source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
exclude_patterns = ["_build"]
# `name` in a docstring links to that object where it is one, code text otherwise
default_role = "py:obj"

# No intersphinx: the build must not reach the network.
myst_heading_anchors = 3
myst_enable_extensions = ["colon_fence", "deflist"]

autodoc_member_order = "bysource"
autodoc_typehints = "signature"
# Members inherited from zmqx's private bases are listed; _ext/zmqx_docs.py leaves
# out those that public bases and other packages document.
autodoc_default_options = {
    "members": True,
    "undoc-members": True,
    "inherited-members": True,
    "show-inheritance": True,
}
# Type variables that are placeholders at run time (zmqx._typing) read as what they
# stand for: Context.socket() makes a Socket unless told otherwise.
autodoc_type_aliases = {"_SocketT_co": "zmqx.Socket"}
# Documented members come from each module's own classes; `typing` names in stubs
# stay unresolved text rather than warnings.
nitpicky = False

html_theme = "furo"
html_title = f"zmqx {release}"
pygments_style = "friendly"
