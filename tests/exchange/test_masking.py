"""Masking rules, value by value."""

from __future__ import annotations

from onceonly.catalog.models import Sensitivity
from onceonly.exchange.gateway.masking import mask_rows, mask_value, to_mask


def test_mask_values() -> None:
    assert mask_value("id_number", "11010519491231002x") == "110105********002X"
    assert mask_value("name", "张三") == "张*"
    assert mask_value("legal_rep_name", "欧阳娜娜") == "欧***"
    assert mask_value("phone", "13812345678") == "138****5678"
    address = "东湖市上城区解放路 12 号"
    assert mask_value("address", address) == "东" + "*" * (len(address) - 2) + "号"
    assert mask_value("weight_g", 3200) is None
    assert mask_value("x", None) is None
    assert mask_value("x", "ab") == "**"


def test_only_private_fields_outside_clear_fields_are_masked() -> None:
    sensitivity = {
        "id_number": Sensitivity.PERSONAL,
        "address": Sensitivity.SENSITIVE,
        "kind": Sensitivity.INTERNAL,
        "region": Sensitivity.PUBLIC,
    }
    fields = list(sensitivity)
    assert to_mask(fields, sensitivity, frozenset({"address"})) == ["id_number"]
    rows = mask_rows([{"id_number": "11010519491231002X", "kind": "家庭户"}], ["id_number"])
    assert rows == [{"id_number": "110105********002X", "kind": "家庭户"}]
