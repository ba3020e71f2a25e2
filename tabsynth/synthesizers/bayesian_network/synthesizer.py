"""Discrete Bayesian network over binned columns: fast to fit, fast to sample, exact conditions."""

from __future__ import annotations

from numbers import Integral, Real
from typing import ClassVar

import numpy as np
import pandas as pd

from ..._progress import Stages
from ...errors import InvalidParameterError
from ...schema.codecs import MISSING_SUFFIX
from ...validation import Interval, Options, Satisfies
from .. import _trees as trees
from ..table import Synthesizer
from . import _leaf_values as leaf_values
from . import _structure as bn
from ._sampling import NetworkSampling, flat_cumulative

_STRUCTURES = ("hill_climb", "chow_liu")
_CONDITIONALS = ("tree", "table")


def _is_edge_list(value) -> bool:
    """A list (or tuple) of (parent, child) column-name pairs."""
    return isinstance(value, (list, tuple)) and all(
        isinstance(e, (list, tuple)) and len(e) == 2 and all(isinstance(x, str) for x in e) for e in value)
_TREE_KEYS = {"left", "right", "feature", "threshold", "leaf", "table"}
_LEAF_SHARE = 100  # a tree leaf never needs more than 1 % of the rows (small tables keep their detail)
# ...but never under 20 rows: a small table is otherwise memorized (Adult, 300 training rows: leaves of 3 rows
# gave a DCR share of 0.628 and 0.3 % exact copies; 20 rows: 0.544 and 0; penguins 0.624 -> 0.562)
_MIN_LEAF = 20


class BayesianNetworkSynthesizer(NetworkSampling, Synthesizer):
    """A Bayesian network over the encoded columns, numbers binned at their quantiles.

    Numerical (and datetime) columns are cut into ``n_bins`` quantile bins, with a bin of its own
    for every value holding a large share of the rows (point masses such as zeros); categorical
    columns and the schema's missing flags are states as they are. A DAG is learned over these
    discrete variables (greedy hill climbing on a decomposable BIC or BDeu score with at most
    ``max_indegree`` parents, a Chow-Liu tree, or a DAG you give), each variable gets a table
    P(variable | parents) smoothed by a Dirichlet prior, and rows are sampled ancestrally, all rows
    at once per variable. A sampled bin becomes a number drawn inside it, from the training values
    of the same tree leaf where there are enough (``in_bin``).

    With ``conditionals='tree'`` (the default) unconditional sampling does not use the tables but
    a classification tree per variable on *every* variable before it in the network's topological
    order (synthpop's CART idea; leaves of at least ``min_samples_leaf`` rows, each leaf holding the
    smoothed distribution of the variable's states there; see
    :mod:`tabsynth.synthesizers._trees`). The network then fixes the order; the trees carry the
    higher-order interactions a few parents cannot (Adult's ``income`` depends on more columns than
    a table can hold). Trees are stored as numeric arrays (splits on state codes, smoothed state
    frequencies per leaf: no individual rows) and walked for all rows at once. Unlike the tables,
    trees need the rows themselves, not counts summed over partitions: use
    ``conditionals='table'`` where only counts can be gathered.

    Conditional sampling is exact. For each distinct combination of (encoded) evidence, the exact
    posterior of the evidence's ancestors is sampled by bucket elimination with backward sampling
    (see :mod:`tabsynth.synthesizers.bayesian_network._inference`); the remaining variables do not change the
    evidence's probability, so they are then sampled forward from their tables. A numerical
    condition conditions on its bin; the exact number is written into the output. Exact inference
    needs the factorization into tables, so conditional sampling always uses the tables (also when
    trees are fitted): the rows follow the network's exact conditional distribution, which is a
    little less detailed than the trees' unconditional one.

    Parameters
    ----------
    n_bins : int, default 40
        Quantile bins per numerical column; a value holding at least ``1 / (2 n_bins)`` of the rows
        gets a bin of its own on top (so a column has at most ``3 n_bins`` bins). Columns with at
        most ``n_bins`` distinct values keep one bin per value.
    bin_edges : dict of str to array-like, optional
        Bin edges given instead of learned, per numerical model column (datetimes in seconds since
        the epoch): increasing upper edges, bin ``b`` holding ``(edges[b-1], edges[b]]`` and the last
        bin everything above. The same edges give the same network and tables from a Dask fit and
        an in-memory fit of the same rows (pass ``dict(fitted.bin_edges_)`` of one to the other).
    structure : {'hill_climb', 'chow_liu'} or list of (str, str), default 'hill_climb'
        How the DAG is found, or the DAG itself as (parent, child) pairs of encoded column names:
        a column's own name, or ``'<column>#missing'`` for its missing flag.
    score : {'bic', 'bdeu'}, default 'bdeu'
        Decomposable score of the hill climbing.
    max_indegree : int, default 3
        Most parents a variable may have in hill climbing.
    equivalent_sample_size : float, default 50.0
        BDeu's prior strength (unused with BIC).
    pseudo_count : float, default 1.0
        Dirichlet prior of every conditional table, in rows, spread as the variable's marginal:
        parent combinations never seen sample from the marginal.
    conditionals : {'tree', 'table'}, default 'tree'
        Unconditional rows from the per-variable trees ('tree') or from the network's tables only
        ('table'). Conditional sampling always uses the tables (exact inference).
    min_samples_leaf : int, default 80
        Fewest training rows in a tree leaf: larger leaves generalize more and stay farther from
        individual training rows; smaller ones follow the data more closely. Capped at 1 % of the
        rows, so tables of a few thousand rows keep their detail, but never under 20 rows (or this
        value, if smaller): leaves of a few rows copy a small table's rows (Adult with 300 training
        rows: distance-to-closest-record share 0.628 with 3-row leaves, 0.544 with 20).
    in_bin : {'leaf', 'bin'}, default 'leaf'
        Where a number inside its sampled bin comes from (unconditional rows from the trees, with
        empirical values; conditional rows use the tables and whole bins): 'leaf' draws it from the
        training values that share its tree leaf and bin when that cell holds at least 20 of them
        (else from the whole bin), so values follow the earlier columns more finely than their bins (detection on validation splits: gss_wages 0.576 ->
        0.547, flights 0.759 -> 0.730, movies 0.633 -> 0.626, ames unchanged); 'bin' draws from all
        the bin's values. See :mod:`tabsynth.synthesizers.bayesian_network._leaf_values`.
    continuous : {'empirical', 'uniform'}, default 'empirical'
        A number inside a sampled bin is a real value from that bin, drawn with its frequency
        ('empirical'; the model then stores the column's distinct values), or uniform between the
        bin's smallest and largest value ('uniform'; stores only bin edges, no individual values).
    enforce_min_max_values : bool, default True
        Keep sampled numbers inside the range seen in the data.
    constraints : list of tabsynth.constraints rules, optional
        Business rules every sampled row obeys (``Inequality``, ``Range``, ``Positive``/``Negative``,
        ``FixedCombinations``, ``OneHot``, ``FixedIncrements``: enforced by transformation, so the
        model learns a space where the rule cannot break; ``Custom``: by bounded redrawing).
        Dicts as written by ``Constraint.to_dict`` are accepted too. None: no rules.
    on_violation : {"raise", "drop"}, default "raise"
        What ``fit`` does with real rows that break a rule: raise ``ConstraintViolationError``
        (how many, the first few), or drop them with a warning that says how many. Never silent.
    n_jobs : int or None, default None
        Native threads for fitting and sampling (OpenMP, BLAS, torch). None: the cores no other
        process is running on (at least 1), so a busy machine does not slow tabsynth many-fold;
        -1: every core.
    random_state : int, optional
        Seeds the synthesizer's own sampling generator and the trees' tie-breaking (fitting is
        deterministic for a given ``random_state``).
    verbose : bool, default False
        A progress bar over the fit's stages (structure search, tables, trees) on stderr; quiet otherwise.

    Dask: ``fit`` also accepts a ``dask.dataframe.DataFrame`` (a table larger than memory); counts
    are summed over its partitions and no process holds the whole table. What is exact and what
    comes from a seeded sample is listed in :mod:`tabsynth.synthesizers.bayesian_network._dask`.

    Attributes
    ----------
    bin_edges_ : dict of str to ndarray
        The upper bin edges of every numerical model column (learned or given).
    network_ : list of (str, str)
        The learned edges, (parent, child), by encoded column name.
    parents_ : list of tuple of int
        Parents of each encoded column (``schema_.columns`` order).
    cardinalities_ : ndarray of int
        Number of states (bins or categories) of each encoded column.
    tables_ : list of ndarray
        ``tables_[v][config, state]`` = P(v = state | parents = config); parent configurations
        enumerate the parents' states in C order.
    trees_ : list of dict or None
        Per encoded column, its tree as arrays (``left``, ``right``, ``feature``, ``threshold``,
        ``leaf`` per node, ``table`` per leaf); None with ``conditionals='table'``.

    Examples
    --------
    >>> import tabsynth
    >>> real = tabsynth.datasets.load_adult()
    >>> synth = tabsynth.BayesianNetworkSynthesizer(random_state=0).fit(real)
    >>> rich = synth.sample(100, conditions={"income": ">50K"})
    >>> (rich["income"] == ">50K").all()
    True
    """

    conditional_sampling = "exact"
    registry_name = "bayesian_network"

    _parameter_constraints: ClassVar[dict] = {
        **Synthesizer._parameter_constraints,
        "n_bins": [Interval(Integral, 2, None)],
        "bin_edges": [None, Satisfies(lambda v: v is not None and bn.check_bin_edges(v),
                                      "a dict of column name to increasing, finite bin edges",
                                      invalid_examples=[{"age": [3, 1]}, {"age": [0, float("inf")]}, [1, 2]])],
        "structure": [Options(*_STRUCTURES), Satisfies(_is_edge_list, "a list of (parent, child) column-name pairs",
                                                       invalid_examples=[[("a",)], [(1, 2)]])],
        "score": [Options("bic", "bdeu")],
        "max_indegree": [Interval(Integral, 0, None)],
        "equivalent_sample_size": [Interval(Real, 0, None, closed="neither")],
        "pseudo_count": [Interval(Real, 0, None, closed="neither")],
        "continuous": [Options("empirical", "uniform")],
        "conditionals": [Options(*_CONDITIONALS)],
        "min_samples_leaf": [Interval(Integral, 1, None)],
        "enforce_min_max_values": ["boolean"],
        "in_bin": [Options("leaf", "bin")],
    }

    def __init__(self, *, n_bins: int = 40, bin_edges=None, structure="hill_climb", score: str = "bdeu",
                 max_indegree: int = 3, equivalent_sample_size: float = 50.0, pseudo_count: float = 1.0,
                 continuous: str = "empirical", conditionals: str = "tree", min_samples_leaf: int = 80,
                 in_bin: str = "leaf", enforce_min_max_values: bool = True, constraints=None, on_violation: str = "raise",
                 n_jobs: int | None = None, random_state: int | None = None, verbose: bool = False):
        self.n_bins = n_bins
        self.bin_edges = bin_edges
        self.structure = structure
        self.score = score
        self.max_indegree = max_indegree
        self.equivalent_sample_size = equivalent_sample_size
        self.pseudo_count = pseudo_count
        self.continuous = continuous
        self.conditionals = conditionals
        self.min_samples_leaf = min_samples_leaf
        self.in_bin = in_bin
        self.enforce_min_max_values = enforce_min_max_values
        self.constraints = constraints
        self.on_violation = on_violation
        self.n_jobs = n_jobs
        self.random_state = random_state
        self.verbose = verbose

    # ------------------------------------------------------------------ params
    def _schema_options(self) -> dict:
        return {"enforce_min_max_values": self.enforce_min_max_values}

    # ------------------------------------------------------------------ fit
    def fit(self, data, metadata=None, **unexpected) -> BayesianNetworkSynthesizer:
        """Learn the network from a pandas DataFrame or a Dask DataFrame (see the class docs); returns self."""
        if unexpected:
            raise self._unexpected_fit_arguments(unexpected)
        if type(data).__module__.split(".")[0] == "dask":
            from ._dask import fit_dask

            return fit_dask(self, data, metadata)
        return super().fit(data, metadata)

    def _fit(self, encoded: pd.DataFrame, rng: np.random.Generator) -> None:
        self._check_bin_edge_names()
        self.bins_ = {col.name: self._column_bins(col.name, *np.unique(encoded[col.name], return_counts=True))
                      for col in self.schema_.columns if col.kind == "numerical"}
        discrete = bn.discretize(encoded, self.schema_.columns, self.bins_)
        cards = self._cardinalities(discrete.max(axis=0))
        self._fit_counts(bn.ArrayCounts(discrete, cards), cards, discrete, rng, encoded)

    def _fit_leaf_values(self, encoded: pd.DataFrame | None, discrete: np.ndarray) -> dict:
        """Per numerical column (index), its training values grouped by (tree leaf, bin); see ``_leaf_values``."""
        if encoded is None or self.trees_ is None or self.in_bin != "leaf" or self.continuous != "empirical":
            return {}
        cells = {}
        for j, col in enumerate(self.schema_.columns):
            if col.kind != "numerical":
                continue
            tree, card = self.trees_[j], int(self.cardinalities_[j])
            missing = encoded.get(col.name + MISSING_SUFFIX)
            present = np.ones(len(encoded), bool) if missing is None else missing.to_numpy() == 0
            cells[j] = leaf_values.fit(encoded[col.name].to_numpy(dtype=float), discrete[:, j].astype(np.int64),
                                       leaf_values.training_leaves(tree, discrete), len(tree["table"]), card,
                                       present)
        return cells

    def _fit_counts(self, counts, cards: np.ndarray, tree_rows: np.ndarray, rng: np.random.Generator,
                    encoded: pd.DataFrame | None = None) -> None:
        """Structure and tables from family counts; trees (if any) from the discrete rows ``tree_rows``, and
        the in-leaf values from ``encoded``, the same rows' encoded values (None: numbers from whole bins)."""
        self.cardinalities_ = cards
        stages = Stages(self.verbose, type(self).__name__, 3 + (self.conditionals == "tree"))
        parents = self._learn_structure(counts, cards)
        stages.done(f"structure: {sum(len(p) for p in parents)} edges")
        self.parents_ = [tuple(sorted(int(p) for p in ps)) for ps in parents]
        tables = counts([(v, self.parents_[v]) for v in range(len(cards))])
        self.tables_ = [bn.table_from_counts(t, float(self.pseudo_count)) for t in tables]
        stages.done(f"{len(self.tables_)} tables")
        self.trees_ = self._fit_trees(tree_rows, rng) if self.conditionals == "tree" else None
        if self.trees_ is not None:
            stages.done(f"{len(self.trees_)} trees")
        self.leaf_values_ = self._fit_leaf_values(encoded, tree_rows)
        self._prepare_sampling()
        stages.done("ready to sample")

    def _cardinalities(self, maxima) -> np.ndarray:
        return np.array([len(self.bins_[col.name]["upper"]) if col.kind == "numerical"
                         else max(int(col.cardinality), int(top) + 1, 1)
                         for col, top in zip(self.schema_.columns, maxima)], dtype=np.int64)

    def _fit_trees(self, discrete: np.ndarray, rng: np.random.Generator) -> list:
        """A tree of every variable on all variables before it in topological order."""
        order = bn.topological_order(self.parents_)
        leaf = min(int(self.min_samples_leaf), max(_MIN_LEAF, len(discrete) // _LEAF_SHARE))
        fitted = [None] * len(order)
        for k, v in enumerate(order):
            fitted[v] = trees.fit_tree(discrete, self.cardinalities_, v, order[:k], leaf,
                                       float(self.pseudo_count), rng)
        return fitted

    def _column_bins(self, name: str, uniques: np.ndarray, counts: np.ndarray) -> dict:
        """Bins of one numerical column from its distinct values (sorted) and their counts."""
        edges = (self.bin_edges or {}).get(name)
        if edges is None:
            bins = bn.bins_from_counts(uniques, counts, self.n_bins)
        else:
            bins = bn.bins_from_edges(uniques, counts, np.asarray(edges, dtype=float))
        if self.continuous == "uniform":  # keep bin edges only, no individual real values
            return {"upper": bins["upper"], "lower": bins["lower"]}
        start, stop = bn.bin_slices(bins)
        return {"upper": bins["upper"], "lower": bins["lower"], "uniques": bins["uniques"],
                "cumulative": bins["cumulative"], "start": start, "stop": stop}

    def _check_bin_edge_names(self) -> None:
        numerical = [col.name for col in self.schema_.columns if col.kind == "numerical"]
        unknown = [name for name in (self.bin_edges or {}) if name not in numerical]
        if unknown:
            raise InvalidParameterError(
                f"The bin_edges of BayesianNetworkSynthesizer name {unknown}, which are not numerical model "
                f"columns. Give edges for columns among {numerical}."
            )

    def _learn_structure(self, counts, cards: np.ndarray) -> list:
        if self.structure == "hill_climb":
            return bn.hill_climb(counts, cards, self.score, self.max_indegree, float(self.equivalent_sample_size))
        if self.structure == "chow_liu":
            return bn.chow_liu(counts, cards)
        return self._given_structure()

    def _given_structure(self) -> list:
        names = [col.name for col in self.schema_.columns]
        parents = [set() for _ in names]
        for parent, child in self.structure:
            unknown = [x for x in (parent, child) if x not in names]
            if unknown:
                raise InvalidParameterError(
                    f"The structure of BayesianNetworkSynthesizer names {unknown}, which are not model columns. "
                    f"Use names among {names}."
                )
            parents[names.index(child)].add(names.index(parent))
        try:
            bn.topological_order(parents)
        except ValueError:
            raise InvalidParameterError(
                "The structure given to BayesianNetworkSynthesizer has a cycle; give a directed acyclic graph."
            ) from None
        return parents

    def _prepare_sampling(self) -> None:
        names = [col.name for col in self.schema_.columns]
        self.order_ = bn.topological_order(self.parents_)
        self._flat_cumulative = [flat_cumulative(t) for t in self.tables_]
        if getattr(self, "trees_", None) is not None:
            self._leaf_samplers = [trees.LeafSampler(t["table"], t["leaf"]) for t in self.trees_]
            self._tree_depths = [trees.tree_depth(t) for t in self.trees_]
            self._compiled_trees = [trees.compile_tree(t, len(self.trees_)) for t in self.trees_]
        self._posterior_cache = {}
        for bins in self.bins_.values():  # every training value in sorted order: a bin is a slice
            if "uniques" in bins:
                bins["expanded"] = np.repeat(bins["uniques"], np.diff(bins["cumulative"], prepend=0))
        self._cell_samplers = {j: leaf_values.sampler(cells, self.bins_[names[j]], int(self.cardinalities_[j]))
                               for j, cells in self.leaf_values_.items()}
        self.network_ = [(names[p], names[c]) for c in range(len(names)) for p in self.parents_[c]]
        self.bin_edges_ = {name: bins["upper"] for name, bins in self.bins_.items()}

    # ------------------------------------------------------------------ inspection
    def plot_network(self, ax=None, **draw_options):
        """Draw the learned DAG (networkx + matplotlib); returns the matplotlib Axes."""
        import matplotlib.pyplot as plt
        import networkx as nx

        self._check_is_fitted()
        graph = nx.DiGraph()
        graph.add_nodes_from(col.name for col in self.schema_.columns)
        graph.add_edges_from(self.network_)
        if ax is None:
            _, ax = plt.subplots(figsize=(10, 8))
        options = {"node_color": "#cfe2f3", "node_size": 1200, "font_size": 8, "arrowsize": 12, **draw_options}
        nx.draw_networkx(graph, pos=nx.spring_layout(graph, seed=0), ax=ax, **options)
        ax.set_axis_off()
        return ax

    def to_pgmpy(self):
        """The network as a pgmpy ``DiscreteBayesianNetwork`` with its tables (states are codes)."""
        from pgmpy.factors.discrete import TabularCPD
        from pgmpy.models import DiscreteBayesianNetwork

        self._check_is_fitted()
        names = [col.name for col in self.schema_.columns]
        model = DiscreteBayesianNetwork(self.network_)
        model.add_nodes_from(names)
        for v, name in enumerate(names):
            parents = [names[p] for p in self.parents_[v]]
            model.add_cpds(TabularCPD(name, int(self.cardinalities_[v]), self.tables_[v].T,
                                      evidence=parents or None,
                                      evidence_card=[int(self.cardinalities_[p]) for p in self.parents_[v]] or None))
        return model

    # ------------------------------------------------------------------ state
    def _get_state(self) -> dict:
        bins = {name: {k: v for k, v in b.items() if k != "expanded"} for name, b in self.bins_.items()}
        return {"bins": bins, "parents": [list(p) for p in self.parents_],
                "cardinalities": self.cardinalities_, "tables": list(self.tables_), "trees": self.trees_,
                "leaf_values": {str(j): cells for j, cells in self.leaf_values_.items()}}

    def _set_state(self, state: dict) -> None:
        self.bins_ = {name: {k: np.asarray(v) for k, v in b.items()} for name, b in state["bins"].items()}
        self.parents_ = [tuple(int(p) for p in ps) for ps in state["parents"]]
        self.cardinalities_ = np.asarray(state["cardinalities"], dtype=np.int64)
        self.tables_ = [np.asarray(t, dtype=float) for t in state["tables"]]
        names = [col.name for col in self.schema_.columns]
        if len(self.tables_) != len(names) or len(self.parents_) != len(names):
            raise ValueError("the network does not match the encoded columns")
        for v, table in enumerate(self.tables_):
            expected = (int(np.prod([self.cardinalities_[p] for p in self.parents_[v]])), int(self.cardinalities_[v]))
            if table.shape != expected:
                raise ValueError(f"the table of {names[v]!r} has shape {table.shape}, expected {expected}")
        self.trees_ = self._loaded_trees(state.get("trees"))
        self.leaf_values_ = self._loaded_leaf_values(state.get("leaf_values") or {})
        self._prepare_sampling()

    def _loaded_leaf_values(self, loaded: dict) -> dict:
        cells = {}
        for key, column in loaded.items():
            j = int(key)
            if self.trees_ is None or not 0 <= j < len(self.trees_) or self.schema_.columns[j].kind != "numerical":
                raise ValueError("the model file's in-leaf values name a column that has no tree or is not a number")
            cells[j] = {"values": np.asarray(column["values"], dtype=float),
                        "offsets": np.asarray(column["offsets"], dtype=np.int64)}
            leaf_values.check(cells[j], len(self.trees_[j]["table"]), int(self.cardinalities_[j]))
        return cells

    def _loaded_trees(self, loaded) -> list | None:
        if loaded is None:
            return None
        if not isinstance(loaded, list) or not all(isinstance(t, dict) and set(t) == _TREE_KEYS for t in loaded):
            raise ValueError("the model file's trees are not arrays of the expected names")
        fitted = [{k: np.asarray(v) for k, v in t.items()} for t in loaded]
        if len(fitted) != len(self.tables_):
            raise ValueError("the model file holds a tree count that does not match the encoded columns")
        order = bn.topological_order(self.parents_)
        for k, v in enumerate(order):
            trees.check_tree(fitted[v], order[:k], int(self.cardinalities_[v]))
        return fitted

