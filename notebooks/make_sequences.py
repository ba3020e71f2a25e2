"""Writes notebooks/sequences.ipynb (then executed by the tests and saved with outputs)."""

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

cells = [
    new_markdown_cell("# Sequences with tabsynth\n\nLong-format panels (one row per entity and step): fit a "
                      "`MarkovChainSynthesizer`, sample new entities, and score them with sequence metrics."),
    new_code_cell("import warnings\nimport tabsynth\nfrom tabsynth.evaluation.sequence_report import evaluate_sequences\n\n"
                  "panel = tabsynth.datasets.load_gapminder()\ninfo = tabsynth.datasets.info('gapminder')\n"
                  "info.sequence_key, info.sequence_index, info.context_columns"),
    new_markdown_cell("Hold out 20 % of the countries: utility and privacy need entities the model never saw."),
    new_code_cell("import numpy as np\n\ncountries = panel['country'].unique()\n"
                  "test = np.random.default_rng(0).choice(countries, len(countries) // 5, replace=False)\n"
                  "train, holdout = panel[~panel['country'].isin(test)], panel[panel['country'].isin(test)]\n"
                  "roles = dict(sequence_key='country', sequence_index='year', context_columns=['continent'])\n"
                  "synth = tabsynth.make('markov_chain', random_state=0).fit(train, **roles)\n"
                  "fake = synth.sample(train['country'].nunique())\nfake.head(12)"),
    new_markdown_cell("Each column's chain: the parents chosen for it (own level and previous difference, "
                      "other columns, context) and its smoothed transition table."),
    new_code_cell("{name: table.parents for name, table in synth.tables_.items()}"),
    new_code_cell("synth.transition_['lifeExp'].head()"),
    new_markdown_cell("Sequence metrics: value shapes, lengths, autocorrelation, cross-correlation, step "
                      "differences, sequence-level detection, forecasting utility and the nearest-trajectory check."),
    new_code_cell("report = evaluate_sequences(train, fake, holdout=holdout, **roles)\nprint(report.summary())"),
    new_code_cell("report.details['autocorrelation'].query('Lag == 1')"),
    new_markdown_cell("Generate trajectories for chosen contexts: ten European and ten African countries."),
    new_code_cell("import pandas as pd\n\nwanted = pd.DataFrame({'continent': ['Europe'] * 10 + ['Africa'] * 10})\n"
                  "by_context = synth.sample(context=wanted, random_state=1)\n"
                  "by_context.groupby(['continent', 'year'])['lifeExp'].median().unstack(0).iloc[::3]"),
    new_markdown_cell("## Weather: three long hourly series with holes\n\n`year`, `month`, `day` and `hour` are "
                      "functions of `time_hour` (in New York time); they are recomputed from the sampled index. "
                      "`wind_gust` is 80 % missing, in runs."),
    new_code_cell("weather = tabsynth.datasets.load_weather()\n"
                  "wsynth = tabsynth.make('markov_chain', random_state=0).fit(weather, sequence_key='origin', "
                  "sequence_index='time_hour')\nwsynth.index_.functions"),
    new_code_cell("wfake = wsynth.sample(1, random_state=0)\n"
                  "pd.DataFrame({'real': weather.groupby('hour')['temp'].mean(), "
                  "'synthetic': wfake.groupby('hour')['temp'].mean()}).iloc[::3].round(1)"),
    new_code_cell("pd.DataFrame({'real': weather.isna().mean(), 'synthetic': wfake.isna().mean()}).query('real > 0')"),
    new_markdown_cell("Models are saved as one safe file; a fixed seed gives the same sequences after loading."),
    new_code_cell("import pathlib, tempfile\n\npath = pathlib.Path(tempfile.mkdtemp()) / 'gapminder.tsyn'\n"
                  "synth.save(path)\nsame = tabsynth.load(path)\n"
                  "same.sample(3, random_state=5).equals(synth.sample(3, random_state=5))"),
]
nbformat.write(new_notebook(cells=cells, metadata={"kernelspec": {"name": "python3", "display_name": "Python 3",
                                                                   "language": "python"}}),
               "notebooks/sequences.ipynb")
