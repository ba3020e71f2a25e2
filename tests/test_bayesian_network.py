"""BayesianNetworkSynthesizer: an exact-probability oracle (pgmpy-style), structure and options."""

import itertools

import numpy as np
import pandas as pd
import pytest

import tabsynth
from tabsynth.errors import ConditionError, InvalidParameterError
from tabsynth.synthesizers import _trees as bn_trees
from tabsynth.synthesizers.bayesian_network import _structure as bn
from tabsynth.synthesizers.bayesian_network.synthesizer import BayesianNetworkSynthesizer
from tabsynth.testing import make_check_data

NAMES = ["a", "b", "c", "d", "e"]
EDGES = [("a", "b"), ("a", "c"), ("b", "d"), ("c", "d"), ("d", "e")]  # a diamond (explaining away) and a tail
CARDS = {"a": 2, "b": 3, "c": 2, "d": 2, "e": 3}


def _hand_built_model():
    """A fitted synthesizer whose tables are replaced by hand-written ones (the oracle's model)."""
    rng = np.random.default_rng(0)
    data = pd.DataFrame({n: np.array([f"{n}{k}" for k in range(CARDS[n])])[rng.integers(0, CARDS[n], 600)]
                         for n in NAMES})
    synth = BayesianNetworkSynthesizer(structure=EDGES, conditionals="table", random_state=0).fit(data)
    tables = {
        "a": [[0.3, 0.7]],
        "b": [[0.6, 0.3, 0.1], [0.1, 0.2, 0.7]],
        "c": [[0.8, 0.2], [0.25, 0.75]],
        "d": [[0.9, 0.1], [0.4, 0.6], [0.7, 0.3], [0.2, 0.8], [0.5, 0.5], [0.05, 0.95]],  # (b, c) in C order
        "e": [[0.2, 0.5, 0.3], [0.6, 0.1, 0.3]],
    }
    synth.tables_ = [np.array(tables[n], dtype=float) for n in NAMES]
    synth._prepare_sampling()
    return synth


def _exact_joint() -> np.ndarray:
    """P(a, b, c, d, e) by brute-force enumeration of the hand-written tables."""
    synth = _hand_built_model()
    joint = np.zeros([CARDS[n] for n in NAMES])
    for states in itertools.product(*[range(CARDS[n]) for n in NAMES]):
        p = 1.0
        for v in range(len(NAMES)):
            config = 0
            for parent in synth.parents_[v]:
                config = config * synth.cardinalities_[parent] + states[parent]
            p *= synth.tables_[v][config, states[v]]
        joint[states] = p
    return joint


def _codes(synth, frame: pd.DataFrame) -> np.ndarray:
    return np.stack([pd.Index(synth.schema_.codecs[n].categories).get_indexer(frame[n]) for n in NAMES], axis=1)


def _assert_frequencies(codes: np.ndarray, probs: np.ndarray, axes: tuple) -> None:
    """Sampled frequencies of the variables ``axes`` within 4.5 standard errors of the exact ones."""
    n = len(codes)
    for states in itertools.product(*[range(probs.shape[k]) for k in range(probs.ndim)]):
        observed = np.all(codes[:, list(axes)] == np.array(states), axis=1).mean()
        p = probs[states]
        assert abs(observed - p) <= 4.5 * np.sqrt(p * (1 - p) / n) + 1e-3, (axes, states, observed, p)


def test_unconditional_frequencies_match_exact_probabilities():
    synth = _hand_built_model()
    codes = _codes(synth, synth.sample(40_000, random_state=1))
    joint = _exact_joint()
    _assert_frequencies(codes, joint.sum(axis=(3, 4)), (0, 1, 2))
    _assert_frequencies(codes, joint.sum(axis=(0, 1, 2)), (3, 4))


def test_conditional_frequencies_match_exact_posterior():
    """Evidence on a descendant reaches every ancestor (explaining away included)."""
    synth = _hand_built_model()
    d_label, e_label = synth.schema_.codecs["d"].categories[1], synth.schema_.codecs["e"].categories[2]
    fake = synth.sample(30_000, conditions={"d": d_label, "e": e_label}, random_state=2)
    assert (fake["d"] == d_label).all() and (fake["e"] == e_label).all()
    posterior = _exact_joint()[:, :, :, 1, 2]
    _assert_frequencies(_codes(synth, fake), posterior / posterior.sum(), (0, 1, 2))


def test_conditional_frequencies_match_pgmpy_inference():
    """A second, independent oracle: pgmpy's exact variable elimination on the exported network."""
    from pgmpy.inference import VariableElimination

    synth = _hand_built_model()
    b_label = synth.schema_.codecs["b"].categories[2]
    fake = synth.sample(20_000, conditions={"b": b_label}, random_state=3)
    query = VariableElimination(synth.to_pgmpy()).query(["a", "e"], evidence={"b": 2}, show_progress=False)
    exact = query.values if list(query.variables) == ["a", "e"] else query.values.T
    _assert_frequencies(_codes(synth, fake), exact, (0, 4))


def test_per_row_conditions_follow_each_row():
    synth = _hand_built_model()
    labels = synth.schema_.codecs["c"].categories
    wanted = pd.DataFrame({"c": [labels[0], labels[1]] * 5000})
    fake = synth.sample(conditions=wanted, random_state=4)
    assert fake["c"].tolist() == wanted["c"].tolist()
    joint = _exact_joint().sum(axis=(1, 3, 4))  # P(a, c)
    for c in (0, 1):
        rows = _codes(synth, fake[wanted["c"] == labels[c]])
        _assert_frequencies(rows, joint[:, c] / joint[:, c].sum(), (0,))


def test_hill_climb_recovers_a_chain():
    rng = np.random.default_rng(0)
    x = rng.integers(0, 3, 5000)
    y = np.where(rng.random(5000) < 0.9, x, rng.integers(0, 3, 5000))
    z = np.where(rng.random(5000) < 0.9, y, rng.integers(0, 3, 5000))
    noise = rng.integers(0, 3, 5000)
    data = np.stack([x, y, z, noise], axis=1)
    for score, tabu_steps in (("bic", 0), ("bdeu", 0), ("bdeu", 5)):
        parents = bn.hill_climb(data, np.array([3, 3, 3, 3]), score, max_indegree=2, tabu_steps=tabu_steps)
        skeleton = {frozenset((p, c)) for c, ps in enumerate(parents) for p in ps}
        assert skeleton == {frozenset((0, 1)), frozenset((1, 2))}, (score, parents)


def test_chow_liu_is_a_tree_and_max_indegree_holds():
    data = make_check_data()
    tree = BayesianNetworkSynthesizer(structure="chow_liu").fit(data)
    assert len(tree.network_) == len(tree.schema_.columns) - 1
    assert all(len(p) <= 1 for p in tree.parents_)
    capped = BayesianNetworkSynthesizer(max_indegree=1, score="bdeu").fit(data)
    assert all(len(p) <= 1 for p in capped.parents_)


def test_bins_give_point_masses_their_own_bin():
    rng = np.random.default_rng(0)
    values = np.where(rng.random(10_000) < 0.6, 0.0, rng.exponential(100.0, 10_000))
    bins = bn.fit_bins(values, 10)
    assert bins["upper"][0] == 0.0 and bins["lower"][0] == 0.0
    codes = bn.apply_bins(values, bins)
    assert (codes[values == 0] == 0).all() and (codes[values > 0] > 0).all()
    assert len(bins["upper"]) <= 10


@pytest.mark.parametrize("continuous", ["empirical", "uniform"])
def test_continuous_values_stay_in_their_bin(continuous):
    data = make_check_data()
    synth = BayesianNetworkSynthesizer(continuous=continuous, random_state=0).fit(data)
    fake = synth.sample(2000, random_state=0)
    assert fake["x"].between(data["x"].min(), data["x"].max()).all()
    if continuous == "empirical":
        assert set(fake["x"]) <= set(data["x"])
    else:
        assert "uniques" not in synth.bins_["x"] and fake["x"].nunique() > data["x"].nunique()


def test_numerical_condition_and_network_inspection(tmp_path):
    data = make_check_data()
    synth = tabsynth.make("bayesian_network", random_state=0).fit(data)
    fake = synth.sample(300, conditions={"x": 2.5}, random_state=0)
    assert (fake["x"] == 2.5).all()
    assert (fake["group"] == "a").mean() > (data["group"] == "a").mean()  # x is high when group is 'a'
    names = {col.name for col in synth.schema_.columns}
    assert all(p in names and c in names for p, c in synth.network_)
    ax = synth.plot_network()
    assert ax.figure is not None


def test_user_errors_say_what_to_do():
    data = make_check_data()
    with pytest.raises(InvalidParameterError, match="cycle"):
        BayesianNetworkSynthesizer(structure=[("x", "group"), ("group", "x")]).fit(data)
    with pytest.raises(InvalidParameterError, match="not model columns"):
        BayesianNetworkSynthesizer(structure=[("nope", "x")]).fit(data)
    for bad in ({"n_bins": 1}, {"score": "aic"}, {"continuous": "kde"}, {"structure": "greedy"},
                {"pseudo_count": 0}, {"conditionals": "forest"}, {"min_samples_leaf": 0}):
        with pytest.raises(InvalidParameterError):
            BayesianNetworkSynthesizer(**bad).fit(data)
    synth = BayesianNetworkSynthesizer(random_state=0).fit(data)
    with pytest.raises(ConditionError, match="never occurs"):
        synth.sample(5, conditions={"group": "zzz"})


def _tree_data(n: int = 6000) -> pd.DataFrame:
    """y depends on three inputs through an interaction that no small parent set carries."""
    rng = np.random.default_rng(0)
    x = rng.integers(0, 4, size=(n, 3))
    y = np.where((x[:, 0] >= 2) ^ (x[:, 1] >= 2) ^ (x[:, 2] >= 2), "hi", "lo")
    y = np.where(rng.random(n) < 0.05, np.where(y == "hi", "lo", "hi"), y)
    return pd.DataFrame({"a": x[:, 0].astype(str), "b": x[:, 1].astype(str), "c": x[:, 2].astype(str), "y": y})


def test_tree_conditionals_capture_a_three_way_interaction():
    data = _tree_data()
    edges = [("a", "y"), ("b", "y")]  # the table of y sees only two of its three inputs
    table = BayesianNetworkSynthesizer(structure=edges, conditionals="table", random_state=0).fit(data)
    tree = BayesianNetworkSynthesizer(structure=edges, min_samples_leaf=20, random_state=0).fit(data)

    def parity_agreement(frame):
        parity = sum((frame[k].astype(int) >= 2).astype(int) for k in "abc") % 2
        return float(((parity == 1) == (frame["y"] == "hi")).mean())

    assert parity_agreement(tree.sample(4000, random_state=0)) > 0.9
    assert parity_agreement(table.sample(4000, random_state=0)) < 0.6


def test_compiled_and_numpy_tree_walks_agree_and_survive_save_load(tmp_path):
    data = make_check_data()
    synth = BayesianNetworkSynthesizer(min_samples_leaf=5, random_state=0).fit(data)
    assert synth.trees_ is not None
    fast = synth.sample(500, random_state=7)
    synth._compiled_trees = [None] * len(synth.trees_)
    assert synth.sample(500, random_state=7).equals(fast)
    synth.save(tmp_path / "m.tsyn")
    loaded = tabsynth.load(tmp_path / "m.tsyn")
    assert loaded.sample(500, random_state=7).equals(fast)


def test_leaf_sampler_matches_table_probabilities():
    rng = np.random.default_rng(0)
    table = rng.dirichlet(np.full(6, 0.4), size=4)
    rows = np.repeat(np.arange(4), 50_000)
    drawn = bn_trees.LeafSampler(table).draw(rows, rng.random(len(rows)))
    frequencies = np.stack([np.bincount(drawn[rows == r], minlength=6) / 50_000 for r in range(4)])
    assert np.abs(frequencies - table).max() < 4.5 * np.sqrt(0.25 / 50_000)


def test_conditions_use_the_tables_exactly_with_trees_fitted():
    data = _tree_data(2000)
    synth = BayesianNetworkSynthesizer(random_state=0).fit(data)
    fake = synth.sample(300, conditions={"y": "hi", "a": "1"}, random_state=0)
    assert (fake["y"] == "hi").all() and (fake["a"] == "1").all()


def test_a_tampered_tree_is_refused():
    data = make_check_data()
    synth = BayesianNetworkSynthesizer(min_samples_leaf=5, random_state=0).fit(data)
    v = next(k for k, t in enumerate(synth.trees_) if len(t["left"]) > 1)
    state = synth._get_state()
    state["trees"] = [dict(t) for t in state["trees"]]
    state["trees"][v]["left"] = np.zeros_like(state["trees"][v]["left"])  # a cycle back to the root
    with pytest.raises(ValueError, match="later nodes"):
        synth._set_state(state)
