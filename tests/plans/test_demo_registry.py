"""The demo registries teach the right thing: each agency's targets carry its own region's
names and places, and are of its kind (issue 13 point 18)."""

from __future__ import annotations

import random

from spotcheck.demo import registry
from spotcheck.tabular.codes import check_region, check_uscc

SHANDONG_PLACES = ("淄博", "张店", "临淄", "博山", "周村", "淄川", "桓台", "齐鲁", "鲁中", "山东")


def _made() -> dict[str, list[dict]]:  # type: ignore[type-arg]
    rng = random.Random(20261124)
    return {
        "xinzhou": registry._targets(
            rng, 400, registry.XINZHOU_REGIONS, 300000, registry.XINZHOU, individuals=0.2
        ),
        "shanxi": registry._targets(
            rng, 120, registry.SHANXI_REGIONS, 400000, registry.SHANXI, individuals=0
        ),
        "zaozhuang": registry._targets(
            rng, 200, registry.ZAOZHUANG_REGIONS, 500000, registry.ZAOZHUANG
        ),
        "luan": registry._archive_units(rng, 150),
    }


def test_each_registry_is_of_its_region_and_kind() -> None:
    made = _made()
    prefixes = {"xinzhou": "1409", "shanxi": "14", "zaozhuang": "3704", "luan": "3415"}
    provinces = {
        "xinzhou": "山西省忻州市",
        "shanxi": "山西省",
        "zaozhuang": "山东省枣庄市",
        "luan": "安徽省六安市",
    }
    for agency, rows in made.items():
        names = [r["name"] for r in rows]
        assert len(set(names)) == len(names), agency  # no organisation repeated with suffixes
        assert not any("（" in n and n.endswith("）") for n in names), agency
        for row in rows:
            assert row["region_code"].startswith(prefixes[agency]), row
            assert check_region(row["region_code"]) is None, row
            assert check_uscc(row["key"]) is None, row
            assert row["address"].startswith(provinces[agency]), row
            if agency != "zaozhuang":
                assert not any(p in row["name"] for p in SHANDONG_PLACES), row
    assert all("档" in r["name"] and "档案服务企业" in r["tags"] for r in made["shanxi"])
    assert all("立档单位" in r["tags"] for r in made["luan"])
    kinds = {r["tags"][1] for r in made["luan"]}
    assert kinds == {"机关", "团体", "事业单位", "国有企业"}
    counties = {r["region_code"] for r in made["xinzhou"]}
    assert {"140902", "140921", "140922", "140923", "140981"} <= counties


def test_every_demo_item_has_two_to_five_valid_check_points() -> None:
    from spotcheck.catalog import points

    assert {row[1] for row in registry.ITEMS} == set(registry.CHECK_POINTS)
    for code, rows in registry.CHECK_POINTS.items():
        cleaned, errors = points.clean(
            [{"text": t, "legal_basis": b, "method": m, "materials": x} for t, b, m, x in rows]
        )
        assert errors == [] and 2 <= len(cleaned) <= 5, code
