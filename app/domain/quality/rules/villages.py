"""VL: 村 — villages' population and exit against the 贫困发生率 threshold."""

from __future__ import annotations

from collections import defaultdict

from app.domain import workflow
from app.domain.incidence import incidence_text, incidence_within, village_threshold
from app.domain.quality.registry import ERROR, WARNING, Hit, rule
from app.domain.records import Dataset, is_normal
from app.domain.regions import is_western


def _scope_villages(ds: Dataset) -> list:
    ids = {h.village_id for h in ds.households} | set(getattr(ds, "scope_villages", None) or ())
    return [ds.villages[i] for i in sorted(ids) if i in ds.villages]


@rule("VL01", WARNING, "村没有农业户籍人口", "dataset")
def village_population(ds: Dataset):
    for v in _scope_villages(ds):
        if not v.agri_population or v.agri_population <= 0:
            yield Hit("region", v.id, "agri_population", v.agri_population,
                      f"{v.name}农业户籍人口为空，无法计算贫困发生率")


def village_poor_population(ds: Dataset) -> dict[str, int]:
    """未脱贫建档立卡人口 per village: members in 正常 of households not yet exited."""
    counts: dict[str, int] = defaultdict(int)
    for h in ds.households:
        if h.status in workflow.NOT_EXITED:
            counts[h.village_id] += sum(1 for m in ds.members.get(h.id, ()) if is_normal(m))
    return counts


@rule("VL02", ERROR, "已退出的村贫困发生率高于退出标准", "dataset")
def village_rate(ds: Dataset):
    poor = village_poor_population(ds)
    for v in _scope_villages(ds):
        if not v.exit_year or not v.agri_population or v.agri_population <= 0:
            continue
        threshold = village_threshold(is_western(v.code))
        if not incidence_within(poor.get(v.id, 0), v.agri_population, is_western(v.code)):
            yield Hit("region", v.id, "exit_year", v.exit_year,
                      f"{v.name}已于{v.exit_year}年退出，但贫困发生率为"
                      f"{incidence_text(poor.get(v.id, 0), v.agri_population)}，高于{threshold}%")
