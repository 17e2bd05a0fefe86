"""Districts load idempotently from the bundled CSV; bad files change nothing."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command

from learning_platform.districts.models import District, DistrictYearFigure

pytestmark = pytest.mark.django_db


def test_load_creates_sixteen_districts_with_population(capsys):
    call_command("load_districts")
    assert District.objects.count() == 16
    huangpu = District.objects.get(code="310101")
    assert (huangpu.name_zh, huangpu.name_en) == ("黄浦区", "Huangpu")
    figure = DistrictYearFigure.objects.get(district=huangpu, year=2020)
    assert figure.resident_population_10k == Decimal("66.20")
    total = sum(f.resident_population_10k for f in DistrictYearFigure.objects.all())
    assert Decimal("2480") < total < Decimal("2495")  # about 24.87 million
    assert "16 created" in capsys.readouterr().out


def test_load_twice_changes_nothing(capsys):
    call_command("load_districts")
    ids = sorted(District.objects.values_list("pk", flat=True))
    call_command("load_districts")
    assert sorted(District.objects.values_list("pk", flat=True)) == ids
    assert DistrictYearFigure.objects.count() == 16
    assert "0 created, 0 updated, 16 unchanged" in capsys.readouterr().out


def test_load_updates_a_changed_population(tmp_path):
    call_command("load_districts")
    path = tmp_path / "d.csv"
    path.write_text(
        "code,name_zh,name_en,resident_population_10k\n310101,黄浦区,Huangpu,70.00\n",
        encoding="utf-8",
    )
    call_command("load_districts", csv=path)
    assert (
        DistrictYearFigure.objects.get(district__code="310101").resident_population_10k
        == 70
    )


def test_bad_csv_names_line_and_column_and_loads_nothing(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text(
        "code,name_zh,name_en,resident_population_10k\n"
        "310101,黄浦区,Huangpu,66.2\n"
        "310104,徐汇区,Xuhui,-3\n"
        "310105,,Changning,69.31\n",
        encoding="utf-8",
    )
    with pytest.raises(CommandError) as info:
        call_command("load_districts", csv=path)
    message = str(info.value)
    assert (
        "bad.csv line 3, column resident_population_10k: '-3' is not a positive number"
        in message
    )
    assert "bad.csv line 4, column name_zh: empty" in message
    assert District.objects.count() == 0


def test_csv_without_required_column_is_refused(tmp_path):
    path = tmp_path / "cols.csv"
    path.write_text("code,name_zh\n310101,黄浦区\n", encoding="utf-8")
    with pytest.raises(CommandError, match="missing column"):
        call_command("load_districts", csv=path)
