"""Writes notebooks/benchmark.ipynb, executes it and saves it with its outputs (the tests execute it again).

Run from the repository root:  python notebooks/make_benchmark.py
"""

import tempfile

import nbformat
from nbclient import NotebookClient
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

cells = [
    new_markdown_cell(
        "# Benchmarking synthesizers\n\n`tabsynth.benchmark` fits every synthesizer on every data set with several "
        "seeds, each run in its own process (real peak memory, a timeout per run), and scores the samples with "
        "`tabsynth.evaluate`. Two reference rows per data set place the numbers: the **ceiling** (half of the "
        "real holdout scored as if it were synthetic) and the **floor** (every column sampled on its own).\n\n"
        "This notebook runs a small version (2,000 Adult rows, 2 seeds, no detection) so it stays quick; "
        "`python benchmarks/run.py` makes the full table in `benchmarks/results/benchmark.md`."),
    new_code_cell(
        "import tabsynth\nfrom tabsynth.benchmarking import compare, standard_datasets, summarize, write_results\n\n"
        "adult = standard_datasets(['adult'], max_fit_rows=2_000, max_holdout_rows=2_000)\n"
        "runs = tabsynth.benchmark(['gaussian_copula', 'bayesian_network'], adult, seeds=2,\n"
        "                          metrics=('marginal', 'joint', 'utility', 'privacy'), timeout=300, progress=False)\n"
        "runs[['synthesizer', 'seed', 'status', 'fit_s', 'peak_rss_mb', 'quality', 'tstr', 'trtr', 'dcr_share']]"
        ".round(3)"),
    new_markdown_cell("Mean and 95 % t-interval (`_ci`, the half-width) over seeds:"),
    new_code_cell("summarize(runs, metrics=['quality', 'trends', 'tstr', 'dcr_share', 'fit_s']).round(3)"),
    new_markdown_cell(
        "To compare two synthesizers, use the paired per-seed differences (same split, same metric seeds), "
        "not overlapping intervals:"),
    new_code_cell("compare(runs, 'bayesian_network', 'gaussian_copula', 'trends').round(4)"),
    new_markdown_cell(
        "Any object with `fit(DataFrame)` and `sample(n)` can stand beside tabsynth's own: pass an instance or a "
        "factory (defined in an importable module, since every run is a fresh process). Here the floor's own "
        "class, under another label:"),
    new_code_cell(
        "from tabsynth.benchmarking import IndependentMarginals\n\n"
        "other = tabsynth.benchmark({'my_model': IndependentMarginals()}, adult, seeds=1, metrics=('marginal',),\n"
        "                           references=False, progress=False)\n"
        "other[['synthesizer', 'status', 'quality', 'shapes', 'trends']].round(3)"),
    new_markdown_cell("The markdown table, JSON and plots that `benchmarks/run.py` writes:"),
    new_code_cell(
        "import tempfile\nfrom IPython.display import Image, Markdown, display\n\n"
        "files = write_results(runs, tempfile.mkdtemp(), prefix='benchmark_small', title='Small benchmark')\n"
        "display(Markdown(files['markdown'].read_text()))\n"
        "for png in files['plots']:\n    display(Image(filename=str(png)))"),
]
notebook = new_notebook(cells=cells, metadata={"kernelspec": {"name": "python3", "display_name": "Python 3",
                                                               "language": "python"}})
NotebookClient(notebook, timeout=300, kernel_name="python3",
               resources={"metadata": {"path": tempfile.mkdtemp()}}).execute()
nbformat.write(notebook, "notebooks/benchmark.ipynb")
