"""Every notebook under notebooks/ runs top to bottom without error."""

from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

NOTEBOOKS = sorted((Path(__file__).resolve().parents[1] / "notebooks").glob("*.ipynb"))
QUICK = {"quickstart.ipynb"}  # the others fit and evaluate on whole bundled tables (35-50 s each): marked slow


@pytest.mark.parametrize("path", [p if p.name in QUICK else pytest.param(p, marks=pytest.mark.slow) for p in NOTEBOOKS],
                         ids=lambda p: p.name)
def test_notebook_executes(path, tmp_path):
    notebook = nbformat.read(path, as_version=4)
    NotebookClient(notebook, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}
                   ).execute()
    assert any(cell.get("outputs") for cell in notebook.cells if cell.cell_type == "code")
