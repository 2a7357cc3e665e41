# SPDX-License-Identifier: LGPL-2.1-or-later
# pip install --no-build-isolation ./bindings/python   (Debian: python3-cffi, python3-setuptools)
from setuptools import setup

setup(
    name="lcont",
    version="0.2.0",
    description="Python bindings for liblcont, the embeddable container library",
    license="LGPL-2.1-or-later",
    packages=["lcont"],
    package_data={"lcont": ["py.typed", "decl/*.h"]},
    python_requires=">=3.9",
    setup_requires=["cffi>=1.15"],
    install_requires=["cffi>=1.15"],
    cffi_modules=["lcont/_build.py:ffibuilder"],
    zip_safe=False,
)
