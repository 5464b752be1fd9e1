"""村情概况: a village's figures — households and people by status, 贫困发生率 against the exit
threshold, visits this month — with a bar chart drawn with QPainter (no QtCharts needed)."""

from __future__ import annotations

from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFont, QPainter
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from app.domain import codes
from app.domain.errors import DomainError
from app.domain.incidence import incidence_within, poverty_incidence, village_threshold
from app.domain.money import format_yuan
from app.domain.regions import WESTERN_PROVINCES
from app.ops import reads
from app.ops.reads import NOT_REGISTERED
from app.ui.layouts import fit_to_screen
from app.ui.table_model import Column, record_table

NOT_EXITED = {codes.HOUSEHOLD_STATUS.code(s) for s in ("新识别贫困户", "未脱贫", "预脱贫", "返贫")}
CANCELLED = codes.HOUSEHOLD_STATUS.code("注销")
BAR_COLOURS = ["#c62828", "#ef6c00", "#f9a825", "#2e7d32", "#6a1b9a", "#757575", "#1565c0"]


class BarChart(QWidget):
    """Horizontal bars: one per label, two series (户数, 人数)."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.rows: list[tuple[str, int, int]] = []
        self.setMinimumHeight(220)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)

    def set_rows(self, rows: list[tuple[str, int, int]]) -> None:
        self.rows = rows
        self.update()

    def sizeHint(self) -> QSize:
        return QSize(520, 40 + 44 * max(1, len(self.rows)))

    def paintEvent(self, _event) -> None:
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        p.fillRect(self.rect(), QColor("white"))
        if not self.rows:
            p.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, self.tr("无数据"))
            return
        fm = p.fontMetrics()
        label_w = max(fm.horizontalAdvance(r[0]) for r in self.rows) + 16
        top, legend_h = 8, fm.height() + 10
        avail_h = self.height() - top - legend_h - 8
        band = avail_h / len(self.rows)
        bar_h = max(6.0, min(16.0, band / 2 - 3))
        max_v = max(max(r[1], r[2]) for r in self.rows) or 1
        width = self.width() - label_w - 70
        for i, (label, households, people) in enumerate(self.rows):
            y = top + i * band
            p.setPen(QColor("#333333"))
            p.drawText(QRectF(4, y, label_w - 10, band), Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, label)
            for j, (value, colour) in enumerate(((households, QColor(BAR_COLOURS[i % len(BAR_COLOURS)])),
                                                 (people, QColor("#90a4ae")))):
                by = y + band / 2 - bar_h - 1 + j * (bar_h + 2)
                w = width * value / max_v
                p.fillRect(QRectF(label_w, by, w, bar_h), colour)
                p.setPen(QColor("#333333"))
                p.drawText(QRectF(label_w + w + 4, by - 2, 70, bar_h + 4), Qt.AlignmentFlag.AlignVCenter, str(value))
        ly = self.height() - legend_h
        small = QFont(p.font())
        p.setFont(small)
        x = label_w
        for text, colour in ((self.tr("户数（各色）"), QColor(BAR_COLOURS[0])), (self.tr("人数"), QColor("#90a4ae"))):
            p.fillRect(QRectF(x, ly + 4, 14, 10), colour)
            p.setPen(QColor("#333333"))
            p.drawText(QRectF(x + 18, ly, 120, fm.height() + 4), Qt.AlignmentFlag.AlignVCenter, text)
            x += 30 + fm.horizontalAdvance(text)
        p.end()


def _figure(title: str, value: str, note: str = "") -> QFrame:
    box = QFrame()
    box.setFrameShape(QFrame.Shape.StyledPanel)
    layout = QVBoxLayout(box)
    t = QLabel(title)
    v = QLabel(value)
    v.setObjectName("figure")
    layout.addWidget(t)
    layout.addWidget(v)
    if note:
        n = QLabel(note)
        n.setObjectName("hint")
        n.setWordWrap(True)
        layout.addWidget(n)
    return box


class VillagePage(QDialog):
    def __init__(self, app_ctx, village_id: str, parent=None):
        super().__init__(parent, Qt.WindowType.Window)
        self.app = app_ctx
        self.village_id = village_id
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.data = reads.village_figures(app_ctx.ops, village_id)
        v = self.data["village"]
        self.setWindowTitle(self.tr("村情概况 — {0}").format(v["name"]))

        households, people = self.data["households"], self.data["people"]
        total_h = sum(households.values())
        total_p = sum(people.values())
        poor = sum(n for status, n in people.items() if status in NOT_EXITED)
        western = v["code"][:2] in WESTERN_PROVINCES
        threshold = village_threshold(western)
        try:
            rate = poverty_incidence(poor, v["agri_population"] or 0)
            rate_text = f"{rate}%"
            ok = incidence_within(poor, v["agri_population"] or 0, western)  # unrounded
            rate_note = self.tr("退出标准 ≤ {0}%（{1}）：{2}").format(
                threshold, self.tr("西部地区") if western else self.tr("中东部地区"),
                self.tr("达标") if ok else self.tr("未达标"))
        except DomainError as e:
            rate_text = "—"
            rate_note = (self.tr("未填写农业户籍人口（VL01），无法计算贫困发生率")
                         if not v["agri_population"] else e.message)
        registered, visited = self.data["registered"], self.data["visited"]
        share = f"{visited * 100 // registered}%" if registered else "—"

        heading = QLabel(self.tr("{0}（{1}）　{2}").format(
            v["name"], v["code"], self.tr("贫困村") if v["poor_village"] else ""))
        heading.setObjectName("editorHeader")
        figures = QGridLayout()
        figures.addWidget(_figure(self.tr("总户数"), f"{total_h:,}", self.tr("人口 {0:,} 人（人口状态正常）").format(total_p)), 0, 0)
        figures.addWidget(_figure(self.tr("未脱贫人口"), f"{poor:,}",
                                  self.tr("农业户籍人口 {0} 人").format(f"{v['agri_population']:,}" if v["agri_population"] else self.tr("未填"))), 0, 1)
        figures.addWidget(_figure(self.tr("贫困发生率"), rate_text, rate_note), 0, 2)
        figures.addWidget(_figure(self.tr("本月走访"), share,
                                  self.tr("建档立卡户 {0:,} 户中已走访 {1:,} 户，共走访 {2:,} 次").format(
                                      registered, visited, self.data["visits"])), 0, 3)

        rows = []
        for item in codes.HOUSEHOLD_STATUS:
            rows.append((item.label, households.get(item.code, 0), people.get(item.code, 0)))
        if households.get(None):
            rows.append((NOT_REGISTERED, households.get(None, 0), people.get(None, 0)))
        self.chart = BarChart()
        self.chart.set_rows(rows)
        self.table_model, table = record_table(
            [Column("status", "户状态", width=150), Column("households", "户数", align_right=True, width=56),
             Column("people", "人数", align_right=True)], self)
        self.table_model.set_rows([{"status": r[0], "households": r[1], "people": r[2]} for r in rows]
                                  + [{"status": self.tr("合计"), "households": total_h, "people": total_p}])
        table.setFixedWidth(330)
        middle = QHBoxLayout()
        middle.addWidget(table)
        middle.addWidget(self.chart, 1)
        contact = QLabel(self.tr("第一书记：{0}　电话：{1}　村集体经济收入：{2}").format(
            v["first_secretary"] or self.tr("未填"), v["first_secretary_phone"] or self.tr("未填"),
            self.tr("{0} 元/年").format(format_yuan(v["collective_income"]))
            if v["collective_income"] is not None else self.tr("未填")))
        contact.setObjectName("hint")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(heading)
        layout.addLayout(figures)
        layout.addLayout(middle, 1)
        layout.addWidget(contact)
        layout.addWidget(buttons)
        fit_to_screen(self, 1000, 600)
