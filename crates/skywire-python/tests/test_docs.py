"""The examples in the package's docstrings and in README.md run and print what they say."""

from __future__ import annotations

import doctest
import re
from pathlib import Path

import skywire
import skywire._types


def test_docstring_examples():
    for module in (skywire, skywire._types):
        result = doctest.testmod(module, raise_on_error=False)
        assert result.attempted > 0 and result.failed == 0, module.__name__


def test_readme_value_examples():
    readme = (Path(__file__).parents[1] / "README.md").read_text()
    block = re.search(r"## Values\n\n```python\n(.*?)```", readme, re.S).group(1)
    test = doctest.DocTestParser().get_doctest(block, {"skywire": skywire}, "README", "README.md", 0)
    runner = doctest.DocTestRunner()
    runner.run(test)
    assert test.examples and runner.failures == 0


def test_help_reads_well():
    assert "skynet's cluster protocol for Python" in skywire.__doc__
    for name in skywire.__all__:
        obj = getattr(skywire, name)
        if callable(obj):
            assert obj.__doc__, name
