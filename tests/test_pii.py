"""Personal data never leaves: PII columns are detected, generated fresh, and never stored (issue 23)."""

from __future__ import annotations

import io
import uuid
import warnings
import zipfile

import numpy as np
import pandas as pd
import pytest
from faker import Faker

import tabsynth
from tabsynth.errors import ConditionError, InvalidDataError
from tabsynth.schema.pii import detect_pii, learn_format

TABLE_SYNTHESIZERS = ["bayesian_network", "gaussian_copula"]
PII = ["email", "phone", "name", "card"]


def _customers(rows=400, seed=0) -> pd.DataFrame:
    faker, rng = Faker("en_US"), np.random.default_rng(seed)
    faker.seed_instance(seed)
    frame = pd.DataFrame({
        "email": [faker.unique.email() for _ in range(rows)],
        "phone": [f"+1-555-{n:04d}" for n in rng.choice(10_000, rows, replace=False)],
        "name": [faker.name() for _ in range(rows)],
        "card": [faker.credit_card_number(card_type="visa16") for _ in range(rows)],
        "age": rng.integers(18, 80, rows),
        "plan": rng.choice(["basic", "plus", "pro"], rows),
    })
    frame.loc[rng.random(rows) < 0.2, "name"] = None
    return frame


@pytest.fixture(scope="module")
def customers():
    return _customers()


def test_detection_by_values_and_by_name(customers):
    md = tabsynth.Metadata.detect(customers)
    assert {c: md.sdtype(c) for c in PII} == {"email": "email", "phone": "phone_number", "name": "name",
                                             "card": "credit_card_number"}
    assert all(md.columns[c]["pii"] for c in PII)
    assert md.sdtype("plan") == "categorical" and md.sdtype("age") == "numerical"
    assert detect_pii("host", pd.Series(["10.0.0.1", "192.168.1.20"] * 5)) == "ipv4_address"
    assert detect_pii("token", pd.Series([str(uuid.UUID(int=i)) for i in range(1, 20)])) == "uuid"
    assert detect_pii("account", pd.Series(["GB82 WEST 1234 5698 7654 32", "DE89370400440532013000"])) == "iban"
    assert detect_pii("zip", pd.Series(["10115", "80331", "20095", "50667"])) == "postcode"
    # a name hint alone does not make a category personal: few distinct values
    assert detect_pii("name", pd.Series(["red", "blue"] * 50)) is None
    assert detect_pii("card", pd.Series(["4111111111111112"] * 3)) is None  # fails the Luhn check


@pytest.mark.parametrize("name", ["adult", "flights", "movies", "gss_wages", "ames", "penguins", "gapminder",
                                  "weather", "empl_uk", "us_states_produc", "chickweight"])
def test_bundled_tables_have_no_personal_data(name):
    data = getattr(tabsynth.datasets, f"load_{name}")()
    md = tabsynth.Metadata.detect(data)
    assert not [c for c, spec in md.columns.items() if spec.get("pii")]


@pytest.mark.parametrize("synthesizer", TABLE_SYNTHESIZERS)
def test_no_training_value_is_ever_emitted(customers, synthesizer):
    synth = tabsynth.make(synthesizer, random_state=0).fit(customers)
    fake = synth.sample(2_000, random_state=1)
    for column in PII:
        assert not fake[column].isin(set(customers[column].dropna())).any(), column
    assert fake["email"].is_unique and fake["phone"].is_unique  # unique real columns stay unique
    assert abs(fake["name"].isna().mean() - customers["name"].isna().mean()) < 0.04
    assert fake["phone"].str.fullmatch(r"\+1-555-\d{4}").all()  # the learned format
    assert fake["email"].str.contains("@").all()


@pytest.mark.parametrize("synthesizer", TABLE_SYNTHESIZERS)
def test_model_file_holds_no_personal_value(customers, synthesizer, tmp_path):
    synth = tabsynth.make(synthesizer, random_state=0).fit(customers)
    synth.save(tmp_path / "m.tsyn")
    archive = zipfile.ZipFile(io.BytesIO((tmp_path / "m.tsyn").read_bytes()))
    content = b"".join(archive.read(member) for member in archive.namelist())
    leaked = [v for c in PII for v in customers[c].dropna().unique() if str(v).encode() in content]
    assert not leaked, leaked[:3]
    same = tabsynth.load(tmp_path / "m.tsyn")
    pd.testing.assert_frame_equal(same.sample(300, random_state=5), synth.sample(300, random_state=5))


def test_seeded_streams_are_reproducible_and_chunk_free(customers, tmp_path):
    synth = tabsynth.make("gaussian_copula", random_state=0).fit(customers)
    full = synth.sample(5_000, random_state=3)
    pd.testing.assert_frame_equal(synth.sample(100, random_state=3), full.iloc[:100])
    pd.testing.assert_frame_equal(synth.sample_rows(4_000, 5_000, 3).reset_index(drop=True),
                                  full.iloc[4_000:].reset_index(drop=True))
    assert not synth.sample(50)["email"].equals(synth.sample(50)["email"])  # the own generator advances


def test_sdv_style_declaration_round_trips(customers):
    declared = {"columns": {"email": {"sdtype": "email", "pii": True}, "phone": {"sdtype": "phone_number"},
                            "name": {"sdtype": "categorical"}, "card": {"sdtype": "categorical", "pii": True},
                            "age": {"sdtype": "numerical"}, "plan": {"sdtype": "categorical"}}}
    md = tabsynth.Metadata.from_dict(declared)
    assert md.to_dict()["columns"]["email"] == {"sdtype": "email", "pii": True}
    with pytest.warns(UserWarning, match="looks like personal data"):  # name declared categorical
        synth = tabsynth.make("gaussian_copula", random_state=0).fit(customers, metadata=md)
    fake = synth.sample(500, random_state=0)
    assert not fake["card"].isin(set(customers["card"])).any()  # pii: True on a categorical
    assert fake["name"].isin(set(customers["name"].dropna())).all() or fake["name"].isna().any()


def test_a_format_too_small_to_avoid_real_values_fails_loudly():
    codes = pd.DataFrame({"code": [f"K{n:04d}" for n in range(10_000)], "x": np.arange(10_000) % 7})
    md = {"columns": {"code": {"sdtype": "categorical", "pii": True}, "x": {"sdtype": "numerical"}}}
    synth = tabsynth.make("gaussian_copula", random_state=0).fit(codes, metadata=md)
    with pytest.raises(InvalidDataError, match="too few possible values"):
        synth.sample(10, random_state=0)


def test_personal_columns_cannot_be_conditioned_on(customers):
    synth = tabsynth.make("bayesian_network", random_state=0).fit(customers)
    with pytest.raises(ConditionError, match="personal data"):
        synth.sample(5, conditions={"email": customers["email"].iloc[0]})


def test_sequences_keep_personal_context_fresh():
    faker = Faker()
    faker.seed_instance(2)
    people = [faker.unique.email() for _ in range(40)]
    panel = pd.DataFrame({"person": np.repeat(np.arange(40), 6), "t": np.tile(np.arange(6), 40),
                          "email": np.repeat(people, 6), "steps": np.arange(240) % 11 * 1.0})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        synth = tabsynth.make("markov_chain", random_state=0).fit(panel, sequence_key="person", sequence_index="t",
                                                                  context_columns=["email"])
    fake = synth.sample(40, random_state=0)
    assert not fake["email"].isin(set(people)).any()
    assert (fake.groupby("person")["email"].nunique() == 1).all()


def test_learned_format_keeps_shared_characters():
    shape = learn_format(pd.Series(["AB-1234", "AB-9876", "AB-5555"]))
    assert "".join(literal or cls for cls, literal in shape) == "AB-####"
    assert learn_format(pd.Series(["a", "bb"])) is None


@pytest.mark.parametrize("name", ["ctgan", "tvae"])
def test_neural_synthesizers_emit_fresh_personal_values(customers, name):
    pytest.importorskip("torch")
    synth = tabsynth.make(name, random_state=0, epochs=1, batch_size=100, device="cpu").fit(customers)
    fake = synth.sample(500, random_state=0)
    for column in PII:
        assert not fake[column].isin(set(customers[column].dropna())).any(), column


def test_unique_emails_stay_unique_across_blocks(customers):
    synth = tabsynth.make("gaussian_copula", random_state=0).fit(customers)
    fake = synth.sample(10_000, random_state=2)  # three generation blocks
    assert fake["email"].is_unique
    assert not fake["email"].isin(set(customers["email"])).any()


def test_two_personal_columns_never_agree_by_accident(customers):
    data = customers.assign(work_email=customers["email"].str.replace("@", ".w@", regex=False))
    fake = tabsynth.make("gaussian_copula", random_state=0).fit(data).sample(300, random_state=0)
    assert (fake["email"] != fake["work_email"]).all()


def _detection_matrix():
    faker = Faker("en_US")
    faker.seed_instance(7)
    styles = {
        "email": (faker.email, ["email", "e-mail", "Email", "mail", "user_email", "contact_email", "EMAIL_ADDRESS"]),
        "phone_number": (faker.phone_number, ["phone", "phone_number", "tel", "telephone", "mobile", "cell_phone"]),
        "name": (faker.name, ["name", "full_name", "customer_name", "fullname"]),
        "first_name": (faker.first_name, ["first_name", "firstname", "given_name", "forename"]),
        "last_name": (faker.last_name, ["last_name", "surname", "family_name", "lastname"]),
        "address": (lambda: faker.address().replace("\n", ", "), ["address", "home_address", "mailing_address"]),
        "street_address": (faker.street_address, ["street", "street_address"]),
        "postcode": (faker.postcode, ["zip", "zipcode", "postcode", "postal_code"]),
        "ssn": (faker.ssn, ["ssn", "social_security_number"]),
        "credit_card_number": (faker.credit_card_number, ["card", "cc_number", "credit_card", "payment"]),
        "iban": (faker.iban, ["iban", "account"]),
        "ipv4_address": (faker.ipv4, ["ip", "ip_address", "client"]),
        "ipv6_address": (faker.ipv6, ["ipv6", "addr6"]),
        "url": (faker.url, ["url", "website", "link"]),
        "uuid": (faker.uuid4, ["uuid", "token"]),
    }
    for kind, (draw, names) in styles.items():
        for name in names:
            yield name, pd.Series([draw() for _ in range(120)]), kind
    yield "phone", pd.Series([f"+1-555-{n:04d}" for n in range(120)]), "phone_number"  # a fixed-format style


def test_detection_recall_on_a_labelled_matrix():
    cases = list(_detection_matrix())
    assert len(cases) >= 40
    misses = [(name, kind, detect_pii(name, values)) for name, values, kind in cases if detect_pii(name, values) != kind]
    assert 1 - len(misses) / len(cases) >= 0.95, misses


def test_report_lists_personal_columns_and_their_leakage(customers):
    fake = tabsynth.make("gaussian_copula", random_state=0).fit(customers).sample(400, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        clean = tabsynth.evaluate(customers, fake, metrics=["marginal"])
        leaky = tabsynth.evaluate(customers, fake.assign(email=customers["email"]), metrics=["marginal"])
    assert clean.info["pii_columns"] == PII and clean.scores["privacy.pii_leakage"] == 0.0
    assert leaky.scores["privacy.pii_leakage"] == 1.0
    assert "Real personal values in synthetic rows" in leaky.summary()
    assert "email" not in clean.info["columns"]  # personal columns are checked, not compared


def test_cli_inspect_marks_personal_columns(customers, tmp_path, capsys):
    from tabsynth.cli import main

    path = tmp_path / "customers.csv"
    customers.to_csv(path, index=False)
    assert main(["inspect", str(path)]) == 0
    out = capsys.readouterr().out
    assert "personal-data columns: email, phone, name, card" in out
    assert out.count("PII: generated fresh") == 4


def test_an_email_can_be_built_from_the_rows_generated_name(customers):
    md = tabsynth.Metadata.detect(customers)
    md.update_column("email", "email", pii=True, consistent_with="name")
    synth = tabsynth.make("gaussian_copula", random_state=0).fit(customers, metadata=md)
    fake = synth.sample(6_000, random_state=0)  # two generation blocks
    named = fake.dropna(subset=["name"])
    last = named["name"].str.split().str[-1].str.lower().str.replace(r"[^a-z]", "", regex=True)
    assert all(surname in email for surname, email in zip(last, named["email"]))
    assert not fake["email"].isin(set(customers["email"])).any()
    pd.testing.assert_frame_equal(synth.sample_rows(5_000, 6_000, 0).reset_index(drop=True),
                                  fake.iloc[5_000:].reset_index(drop=True))
    bad = tabsynth.Metadata.detect(customers).update_column("phone", "phone_number", consistent_with="name")
    with pytest.raises(tabsynth.MetadataError, match="consistent_with"):
        tabsynth.make("gaussian_copula").fit(customers, metadata=bad)


def test_unique_formatted_values_stay_unique_in_any_chunking():
    rng = np.random.default_rng(4)
    numbers = rng.choice(10**7, 3_000, replace=False)
    data = pd.DataFrame({"phone": [f"+1-{n // 10**4:03d}-{n % 10**4:04d}" for n in numbers],
                         "spend": rng.gamma(2.0, 50.0, 3_000)})
    synth = tabsynth.make("gaussian_copula", random_state=0).fit(data)
    fake = synth.sample(20_000, random_state=1)  # five generation blocks
    assert fake["phone"].is_unique
    assert not fake["phone"].isin(set(data["phone"])).any()
    assert fake["phone"].str.fullmatch(r"\+1-\d{3}-\d{4}").all()
    pd.testing.assert_frame_equal(synth.sample_rows(12_000, 20_000, 1).reset_index(drop=True),
                                  fake.iloc[12_000:].reset_index(drop=True))
    assert not synth.sample(100, random_state=2)["phone"].equals(fake["phone"].iloc[:100])


def test_the_permutation_is_a_permutation():
    from tabsynth.schema._pii_unique import permute

    keys = np.random.SeedSequence(3).generate_state(4, np.uint64)
    for size in (7, 1000, 12_345):
        image = permute(np.arange(size, dtype=np.uint64), size, keys)
        assert sorted(image.tolist()) == list(range(size))
