"""The report's notebook executor: outputs as a kernel sends them, a clean process each time."""

from __future__ import annotations

import nbformat
import pytest

from glute_study.parallel import local_process_pool
from glute_study.report.executor import execute_notebook


def _run(source_cells: list[str], cwd: str) -> tuple[bool, dict]:
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(s) for s in source_cells])
    ok = execute_notebook(nb, cwd=cwd, env={"GS_TEST_VALUE": "42"})
    return ok, nb


def _execute(cells: list[str], tmp_path) -> tuple[bool, nbformat.NotebookNode]:
    with local_process_pool(1, max_tasks_per_child=1) as pool:
        ok, nb = pool.submit(_run, cells, str(tmp_path)).result()
    nbformat.validate(nb)
    return ok, nb


def test_outputs_take_the_shape_a_kernel_gives_them(tmp_path):
    ok, nb = _execute([
        "import os, warnings\nprint('hello'); print('world')\nos.environ['GS_TEST_VALUE']",
        "import pandas as pd\nfrom IPython.display import display\n"
        "display(pd.DataFrame({'a': [1]}))\nwarnings.warn('careful')",
        "import matplotlib.pyplot as plt\nplt.plot([0, 1])\nplt.show()",
        "x = 1",
        "open('made_here.txt', 'w').close()",
    ], tmp_path)
    assert ok
    first, second, third, fourth, _ = (c.outputs for c in nb.cells)
    assert [o.output_type for o in first] == ["stream", "execute_result"]
    assert first[0].name == "stdout" and first[0].text == "hello\nworld\n"
    assert first[1].data["text/plain"] == "'42'" and first[1].execution_count == 1
    assert second[0].output_type == "display_data" and "text/html" in second[0].data
    assert second[1].name == "stderr" and "UserWarning: careful" in second[1].text
    assert "image/png" in third[0].data
    assert fourth == []
    assert [c.execution_count for c in nb.cells] == [1, 2, 3, 4, 5]
    assert (tmp_path / "made_here.txt").is_file()  # cells run in the folder given
    assert nb.metadata["language_info"]["pygments_lexer"] == "ipython3"
    assert nb.metadata["glute_study"]["warnings"] == [
        {"category": "UserWarning", "message": "careful", "cell": 2}]


def test_an_error_stops_the_notebook_with_its_traceback(tmp_path):
    ok, nb = _execute(["y = 2", "1 / 0", "z = 3"], tmp_path)
    assert not ok
    error = nb.cells[1].outputs[0]
    assert error.output_type == "error" and error.ename == "ZeroDivisionError"
    assert any("1 / 0" in line for line in error.traceback)
    assert nb.cells[2].outputs == [] and nb.cells[2].execution_count is None


@pytest.mark.parametrize("probe", ["y", "plt.gcf().axes"])
def test_each_notebook_starts_clean(tmp_path, probe):
    _execute(["import matplotlib.pyplot as plt\ny = 1\nplt.plot([1, 2])"], tmp_path)
    ok, nb = _execute(["import matplotlib.pyplot as plt\n"
                       f"try:\n    print(repr({probe}))\nexcept NameError:\n    print('none')"],
                      tmp_path)
    assert ok
    assert nb.cells[0].outputs[0].text.strip() in ("none", "[]")
