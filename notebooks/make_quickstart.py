"""Writes notebooks/quickstart.ipynb (then executed by the tests and saved with outputs)."""

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

cells = [
    new_markdown_cell("# tabsynth quickstart\n\nFit a synthesizer on a real table, sample synthetic rows, "
                      "compare them with the real ones, save and reload the model."),
    new_code_cell("import tabsynth\n\nreal = tabsynth.datasets.load_adult()\nprint(tabsynth.datasets.info('adult')"
                  ".description)\nreal.head()"),
    new_markdown_cell("Fit a Gaussian copula (the fast baseline) and sample as many rows as the real table has."),
    new_code_cell("synth = tabsynth.make('gaussian_copula', random_state=0).fit(real)\n"
                  "fake = synth.sample(len(real))\nfake.head()"),
    new_markdown_cell("Same columns, order and dtypes; the schema found that `education-num` is a function of "
                      "`education`, so the model learns one and the schema derives the other."),
    new_code_cell("assert list(fake.columns) == list(real.columns) and (fake.dtypes == real.dtypes).all()\n"
                  "synth.schema_.relations"),
    new_markdown_cell("Compare: sdmetrics' QualityReport (column shapes and pair trends), and missingness."),
    new_code_cell("from tabsynth.demo import quality_scores\n\n"
                  "quality_scores(real, fake, synth.metadata_.to_sdmetrics_dict())"),
    new_code_cell("import pandas as pd\n\npd.DataFrame({'real': real.isna().mean(), 'synthetic': fake.isna().mean()})"
                  ".query('real > 0')"),
    new_markdown_cell("Conditional sampling: only high earners."),
    new_code_cell("rich = synth.sample(500, conditions={'income': '>50K'}, random_state=1)\n"
                  "rich['income'].value_counts()"),
    new_markdown_cell("Models are saved as one safe file (JSON + numpy arrays, no pickle); a fixed seed gives "
                      "the same rows after loading."),
    new_code_cell("import tempfile, pathlib\n\npath = pathlib.Path(tempfile.mkdtemp()) / 'adult.tsyn'\n"
                  "synth.save(path)\nsame = tabsynth.load(path)\n"
                  "same.sample(5, random_state=0).equals(synth.sample(5, random_state=0))"),
]
nbformat.write(new_notebook(cells=cells, metadata={"kernelspec": {"name": "python3", "display_name": "Python 3",
                                                                   "language": "python"}}),
               "notebooks/quickstart.ipynb")
