"""What an import did: counts of rows, households and members, each field changed, and the rows
with a problem; the summary `kace import` prints and the JSON it gives with --json."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Problem:
    row: int
    reason: str
    left_out: bool

    def to_json(self) -> dict:
        return {"row": self.row, "reason": self.reason, "left_out": self.left_out}


@dataclass
class ImportReport:
    file: str
    sheet: str = ""
    dry_run: bool = False
    rows: int = 0
    blank_rows: int = 0
    subtotal_rows: int = 0
    header_rows: int = 0  # header rows repeated on each printed page
    footer_rows: int = 0
    unknown_villages: list[str] = field(default_factory=list)
    created_places: list[tuple[str, str, str]] = field(default_factory=list)
    data_year: int | None = None
    imported_rows: int = 0
    left_out_rows: int = 0
    households: dict = field(default_factory=lambda: {"new": 0, "updated": 0, "unchanged": 0})
    members: dict = field(default_factory=lambda: {"new": 0, "updated": 0, "unchanged": 0})
    changes: list[dict] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    unknown_columns: list[str] = field(default_factory=list)
    errors_file: str | None = None

    @property
    def changed(self) -> bool:
        return (bool(self.changes) or self.households["new"] > 0 or self.members["new"] > 0
                or bool(self.created_places))

    @property
    def skipped_rows(self) -> int:
        """Rows that are not records: 小计/合计/总计, repeated headers, footers."""
        return self.subtotal_rows + self.header_rows + self.footer_rows

    @property
    def exit_code(self) -> int:
        """0 every record row taken; 1 some left out; 2 nothing imported or unknown villages."""
        if self.unknown_villages or not self.imported_rows:
            return 2
        return 1 if self.left_out_rows else 0

    def to_json(self) -> dict:
        return {
            "file": self.file, "sheet": self.sheet, "dry_run": self.dry_run,
            "rows": {"total": self.rows, "imported": self.imported_rows, "left_out": self.left_out_rows,
                     "blank": self.blank_rows, "subtotal": self.subtotal_rows, "header": self.header_rows,
                     "footer": self.footer_rows, "skipped": self.skipped_rows},
            "data_year": self.data_year, "unknown_villages": self.unknown_villages,
            "created_places": [{"code": c, "name": n, "level": lv} for c, n, lv in self.created_places],
            "households": self.households, "members": self.members, "changes": self.changes,
            "problems": [p.to_json() for p in self.problems], "unknown_columns": self.unknown_columns,
            "errors_file": self.errors_file,
        }

    def summary(self) -> str:
        h, m = self.households, self.members
        if self.dry_run:
            head = "试导入（未写入数据库）"
        elif not self.changed:
            head = "未导入任何数据" if not self.imported_rows else "数据库没有变化（文件中的数据已全部在库中）"
        elif self.left_out_rows or self.unknown_villages:
            head = "部分导入"
        else:
            head = "导入完成"
        lines = [f"{head}：{self.file}（工作表“{self.sheet}”）"]
        for code, name, level in self.created_places:
            lines.append(f"  {'将新建' if self.dry_run else '已新建'}区划：{code} {name}")
        lines += [
            f"  数据行 {self.rows} 行：导入 {self.imported_rows} 行，未导入 {self.left_out_rows} 行，"
            f"空行 {self.blank_rows} 行，跳过非数据行 {self.skipped_rows} 行（合计/小计 {self.subtotal_rows}，"
            f"重复表头 {self.header_rows}，表尾 {self.footer_rows}）",
            f"  户：新增 {h['new']}，更新 {h['updated']}，无变化 {h['unchanged']}",
            f"  人：新增 {m['new']}，更新 {m['updated']}，无变化 {m['unchanged']}",
            f"  字段变更 {len(self.changes)} 处",
        ]
        if self.unknown_columns:
            lines.append(f"  未识别的列（未导入）：{'、'.join(self.unknown_columns)}")
        if self.problems:
            lines.append(f"  有问题的行 {len(self.problems)} 行" +
                         (f"，详见 {self.errors_file}" if self.errors_file else "（用 --errors 文件.xlsx 导出错误清单）"))
        return "\n".join(lines)

