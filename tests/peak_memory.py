"""The peak resident memory of one command run in a fresh interpreter, for the tests of memory budgets (a fresh
process, because ru_maxrss only ever grows)."""
import subprocess
import sys

_PEAK = """
import importlib, resource, sys
module, function, prog = sys.argv[1:4]
main = getattr(importlib.import_module(module), function)
if sys.argv[4:]:
    try:
        main(sys.argv[4:], prog_name=prog)
    except SystemExit as exit:
        assert not exit.code, exit.code
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""


def peak_kb(entry: str, prog: str, *args) -> int:
    """Peak KiB of `prog` (click command `entry`, "module:function") run with `args`; with no args, of the
    interpreter with the command's module imported."""
    module, function = entry.split(":")
    done = subprocess.run([sys.executable, "-c", _PEAK, module, function, prog, *map(str, args)],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return int(done.stdout.split()[-1])
