"""Build the optional C kernels of the draw (src/spotcheck/sampling/_native.c).

Everything else is declared in pyproject.toml. The extension is optional: where no compiler
is available the install still succeeds and the draw runs the pure-Python kernels, which
compute the same results more slowly.
"""

from setuptools import Extension, setup

setup(
    ext_modules=[
        Extension(
            "spotcheck.sampling._native",
            sources=["src/spotcheck/sampling/_native.c"],
            extra_compile_args=["-O3"],
            optional=True,
        )
    ]
)
