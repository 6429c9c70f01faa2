"""Build script: compiles ext/*.pyx into ngramlm._ext.* and installs cli/ as ngramlm.cli."""
import glob
import os
import sys

from setuptools import Extension, find_packages, setup

try:
    import numpy
    from Cython.Build import cythonize
except ImportError as exc:  # pragma: no cover - only on a broken build environment
    sys.exit(
        f"ngramlm needs Cython and numpy to build its compiled core ({exc}).\n"
        "Install them first:  pip install cython numpy   (pip install . does this for you\n"
        "through pyproject.toml unless build isolation is turned off)."
    )

HERE = os.path.dirname(os.path.abspath(__file__))


def extensions():
    """One extension module per ext/NAME.pyx, importable as ngramlm._ext.NAME.

    NGRAMLM_EXT=name1,name2 builds only those (handy while working on one module with build_ext --inplace).
    """
    only = {n for n in os.environ.get("NGRAMLM_EXT", "").split(",") if n}
    modules = []
    for source in sorted(glob.glob(os.path.join("ext", "*.pyx"))):
        name = os.path.splitext(os.path.basename(source))[0]
        if only and name not in only:
            continue
        modules.append(
            Extension(
                f"ngramlm._ext.{name}",
                [source],
                include_dirs=[numpy.get_include(), "ext"],
                depends=sorted(glob.glob(os.path.join("ext", "*.h"))),  # rebuilt when a shared header changes
                extra_compile_args=["-O3"],
                define_macros=[("NPY_NO_DEPRECATED_API", "NPY_1_7_API_VERSION")],
            )
        )
    # The .pxd of ngramlm._ext.NAME sits beside the compiled module (ngramlm/_ext/NAME.pxd), where Cython looks for
    # it by the module's full name from the project root, and where other Cython code would cimport it.
    return cythonize(modules, language_level=3, include_path=[HERE, "ext"])


def long_description():
    with open(os.path.join(HERE, "README.md"), encoding="utf-8") as f:
        return f.read()


setup(
    name="ngramlm",
    version="0.1.0",
    description="Classical n-gram language modelling with a Cython core, and neural baselines beside it",
    long_description=long_description(),
    long_description_content_type="text/markdown",
    license="MIT",
    python_requires=">=3.9",
    # Every room of the library (found, so that a new sub-package cannot be left out of a wheel), and cli/.
    packages=find_packages(include=["ngramlm", "ngramlm.*"]) + ["ngramlm.cli"],
    package_dir={"ngramlm.cli": "cli"},
    # The typed surface of the compiled modules ships with them: stubs for type checkers, .pxd for cimport.
    package_data={"ngramlm": ["py.typed"], "ngramlm._ext": ["*.pyi", "*.pxd"],
                  "ngramlm.corpora.synthetic": ["data/*.txt"]},
    ext_modules=extensions(),
    install_requires=["numpy>=1.24", "scipy>=1.9", "click>=8.0", "tqdm>=4.60"],
    extras_require={
        # torch==2.13.0 is the CPU build on disk here; an unpinned torch would pull a CUDA build of several GB.
        "neural": ["torch==2.13.0"],
        "plot": ["matplotlib>=3.5"],
        # jieba's word list (dict.txt, MIT) is read from the installed package by `ngramlm segment --lexicon jieba`.
        "zh": ["jieba==0.42.1"],
        # `ngramlm draw` also needs Graphviz's `dot` program (apt-get install graphviz).
        "draw": ["graphviz"],
        # Training on a Dask cluster (ngramlm.distributed; `ngramlm train --workers N / --scheduler ADDRESS`);
        # fsspec reads the text from URLs (s3:// and the like need their own package on the workers, e.g. s3fs).
        "dask": ["dask[distributed]", "fsspec"],
        # mypy runs stubtest on the compiled modules' .pyi stubs (tests/test_compiled_stubs.py).
        # pyctcdecode itself is installed with --no-deps by the test command: it declares numpy<2 but works
        # with numpy 2, and an ordinary install would downgrade numpy.
        "test": ["pytest>=7", "hypothesis>=6", "kenlm", "pygtrie", "flashlight-text", "pynini", "jieba==0.42.1",
                 "graphviz", "matplotlib>=3.5", "mypy",
                 "dask[distributed]", "fsspec"],
    },
    entry_points={
        "console_scripts": [
            "ngram-count = ngramlm.cli.ngram_count:main",
            "ngram-class = ngramlm.cli.ngram_class:main",
            "ngram = ngramlm.cli.ngram:main",
            "ngramlm = ngramlm.cli.main:cli",
        ]
    },
    zip_safe=False,
)
