"""High-cardinality columns: a category cap keeps the encoded layout bounded, and "other" decodes to real rare values.

The full-size measurement (50,000 values in 100,000 rows, movies' titles) is benchmarks/high_cardinality.py;
these tests check the mechanism on small tables with a small cap.
"""

import numpy as np
import pandas as pd
import pytest

import tabsynth
from tabsynth.errors import ConditionError
from tabsynth.schema.codecs import RARE_SUFFIX, CategoricalCodec


def _codes_table(rows: int = 3000, distinct: int = 600, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    ranks = np.r_[np.arange(distinct), np.minimum(rng.zipf(1.5, rows - distinct), distinct) - 1]
    return pd.DataFrame({"code": np.char.add("c", ranks.astype(str)), "group": np.array(list("ab"))[ranks % 2],
                         "amount": rng.normal(size=rows).round(2)})


def test_codec_keeps_the_frequent_categories_and_pools_the_rest():
    column = pd.Series(["a"] * 50 + ["b"] * 30 + ["c"] * 10 + ["d"] * 6 + ["e"] * 4 + [None] * 5, dtype=object)
    codec = CategoricalCodec("x", max_categories=3).fit(column)
    assert list(codec.categories) == ["a", "b"] and codec.cardinality == 3
    assert list(codec.rare_categories) == ["c", "d", "e"]
    np.testing.assert_allclose(codec.rare_frequencies, [0.5, 0.3, 0.2])
    np.testing.assert_allclose(codec.frequencies, [0.5, 0.3, 0.2])
    encoded = codec.encode(column)
    assert set(encoded["x"][:100]) == {0, 1, 2} and (encoded["x"][80:100] == 2).all()
    codes = np.full(20_000, 2)
    rare = codec.draw_rare(codes, np.random.default_rng(0))
    decoded = codec.decode({"x": codes, "x" + RARE_SUFFIX: rare, "x#missing": np.zeros(20_000)})
    shares = decoded.value_counts(normalize=True)
    assert set(shares.index) == {"c", "d", "e"}
    np.testing.assert_allclose(shares[["c", "d", "e"]], [0.5, 0.3, 0.2], atol=0.02)


def test_codec_without_a_cap_or_under_it_is_unchanged():
    column = pd.Series(list("aabbbc"), dtype=object)
    for codec in (CategoricalCodec("x").fit(column), CategoricalCodec("x", max_categories=3).fit(column)):
        assert codec.rare_categories is None and codec.cardinality == 3
    assert tabsynth.make("gaussian_copula").fit(_codes_table()).schema_.codecs["code"].rare_categories is None


@pytest.fixture
def capped_tvae(monkeypatch):
    from tabsynth.synthesizers.neural.tvae import TVAESynthesizer

    monkeypatch.setattr(TVAESynthesizer, "max_categories", 50)
    return tabsynth.make("tvae", epochs=1, batch_size=500, random_state=0)


def test_one_hot_model_sees_a_bounded_layout_and_samples_real_values(capped_tvae, tmp_path):
    real = _codes_table()
    synth = capped_tvae.fit(real)
    assert [c.cardinality for c in synth.schema_.columns if c.name == "code"] == [50]
    fake = synth.sample(5000, random_state=3)  # more than one sampling block
    assert fake.dtypes.to_dict() == real.dtypes.to_dict()
    assert set(fake["code"]) <= set(real["code"])
    rare = set(synth.schema_.codecs["code"].rare_categories)
    assert fake["code"].isin(rare).any(), "the pooled state must come back as rare real values"
    pd.testing.assert_frame_equal(fake.iloc[:4200], synth.sample(4200, random_state=3))  # prefix across blocks
    synth.save(tmp_path / "capped.tsyn")
    pd.testing.assert_frame_equal(tabsynth.load(tmp_path / "capped.tsyn").sample(300, random_state=1),
                                  synth.sample(300, random_state=1))
    with pytest.raises(ConditionError, match="rare categories of column 'code'"):
        synth.schema_.encode_conditions(pd.DataFrame({"code": [min(rare)]}))


def test_markov_chain_caps_a_varying_categorical(monkeypatch, tmp_path):
    from tabsynth.synthesizers.markov_chain.synthesizer import MarkovChainSynthesizer

    monkeypatch.setattr(MarkovChainSynthesizer, "max_categories", 20)
    rng = np.random.default_rng(0)
    panel = pd.DataFrame({"key": np.repeat(np.arange(30), 10), "step": np.tile(np.arange(10), 30),
                          "item": np.char.add("i", rng.integers(0, 200, 300).astype(str)),
                          "value": rng.normal(size=300)})
    synth = tabsynth.make("markov_chain", random_state=0).fit(panel, sequence_key="key", sequence_index="step")
    assert synth.schema_.codecs["item"].cardinality == 20
    fake = synth.sample(40, random_state=2)
    assert set(fake["item"]) <= set(panel["item"]) and fake["item"].nunique() > 20
    pd.testing.assert_frame_equal(fake.iloc[: len(synth.sample(33, random_state=2))], synth.sample(33, random_state=2))
    synth.save(tmp_path / "chain.tsyn")
    pd.testing.assert_frame_equal(tabsynth.load(tmp_path / "chain.tsyn").sample(5, random_state=1),
                                  synth.sample(5, random_state=1))
