"""briefgen: intelligence briefs in YAML, validated and published as a static site.

The package reads as a one-way pipeline, one folder a concern:

    format (the contract) -> stages: load -> validate -> corpus -> analysis
    -> output: pages, exports -> site: mkdocs, search, leak check, swap

`build/` drives the steps and makes them incremental and parallel; `cli.py`
holds the commands. Nothing imports upwards, and stages and output never
import the build machinery.
"""

__version__ = "0.1.0"
