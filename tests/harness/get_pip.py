"""Stand-in for pip's get-pip.py bootstrap script, for ansible-test --venv.

ansible-test bootstraps pip into the empty virtual environments it creates with a get-pip.py
downloaded from ci-files.testing.ansible.com, which the test machines cannot reach.
tests/harness/sanity.sh puts this file in ansible-test's cache as that script, next to the pip
wheel of the same version (downloaded from PyPI); like get-pip.py it runs pip from the wheel
to install the requested packages into the interpreter that runs it.
"""

import glob
import os
import runpy
import sys

here = os.path.dirname(os.path.abspath(__file__))
version = os.path.splitext(os.path.basename(__file__))[0].removeprefix("get_pip_")
wheels = glob.glob(os.path.join(here, f"pip-{version.replace('_', '.')}-*.whl"))
if not wheels:
    sys.exit(f"{__file__}: no pip {version} wheel in {here} (tests/harness/sanity.sh fetches it)")
# the options get-pip.py knows and pip does not
args = [a for a in sys.argv[1:] if a not in ("--no-setuptools", "--no-wheel")]
sys.path.insert(0, wheels[0])
sys.argv = ["pip", "install", *args]
runpy.run_module("pip", run_name="__main__", alter_sys=True)
