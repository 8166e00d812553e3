# SPDX-License-Identifier: GPL-2.0
"""What a stuck guest process is doing, for the load programs' hang reports
(concurrent.py, branch_load.py import it from beside them)."""


def kernel_stack(pid):
    """The process's wait channel and kernel stack, as text."""
    out = []
    for f in ("wchan", "stack"):
        try:
            with open("/proc/%d/%s" % (pid, f)) as fh:
                out.append("%s: %s" % (f, fh.read().strip()))
        except OSError as e:
            out.append("%s: %s" % (f, e))
    return "\n    ".join(out)
