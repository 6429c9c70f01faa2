"""The package's public names: each one resolves, and importing the package loads none of the library (the
command line pays for the modules its command needs only)."""
import subprocess
import sys

import ngramlm


def test_every_public_name_resolves_to_its_module():
    for name in ngramlm.__all__:
        value = getattr(ngramlm, name)
        module, attr = ngramlm._EXPORTS[name]
        assert getattr(sys.modules["ngramlm" + module], attr) is value, name


def test_importing_the_package_loads_no_library_module():
    code = "import sys, ngramlm; print(sorted(m for m in sys.modules if m.startswith('ngramlm.')))"
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert loaded.strip() == "[]"
